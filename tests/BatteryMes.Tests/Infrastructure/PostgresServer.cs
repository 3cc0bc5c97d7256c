using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>A real PostgreSQL server for the tests. scripts/test.sh starts one and passes its connection string in
/// BATTERYMES_TEST_POSTGRES; without it, the first test that needs PostgreSQL starts a throwaway cluster itself
/// (initdb + pg_ctl on a free loopback port) and stops it when the test process ends. It never skips: a machine
/// without PostgreSQL fails these tests with a message that says how to get it.</summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "BATTERYMES_TEST_POSTGRES";
    private static readonly Lazy<string> AdminConnection = new(StartOrFind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Connection string to the server's maintenance database (user postgres).</summary>
    public static string ConnectionString => AdminConnection.Value;

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public static string CreateDatabase(string purpose = "t")
    {
        var name = $"{purpose}_{Guid.NewGuid():N}"[..Math.Min(60, purpose.Length + 33)].ToLowerInvariant();
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE \"{name}\"";
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = true }.ToString();
    }

    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        cmd.ExecuteNonQuery();
    }

    private static string StartOrFind()
    {
        var given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(given)) return given;

        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found (looked for /usr/lib/postgresql/*/bin/initdb). " +
            "Run the tests with scripts/test.sh, which installs and starts PostgreSQL, or set " + EnvironmentVariable + ".");
        var dir = Path.Combine(Path.GetTempPath(), $"batterymes-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        var port = FreePort();
        var asPostgres = Environment.UserName == "root";
        if (asPostgres) Run(false, "chown", $"postgres \"{dir}\"");
        Run(asPostgres, Path.Combine(bin, "initdb"), $"-D \"{dir}/data\" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8");
        Run(asPostgres, Path.Combine(bin, "pg_ctl"),
            $"-D \"{dir}/data\" -l \"{dir}/log\" -o \"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" -w start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Run(asPostgres, Path.Combine(bin, "pg_ctl"), $"-D \"{dir}/data\" -m immediate stop"); Directory.Delete(dir, true); }
            catch { /* the process is ending; a leftover temp folder is harmless */ }
        };
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=30;Command Timeout=120";
    }

    internal static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root).OrderByDescending(d => d)
            .Select(d => Path.Combine(d, "bin")).FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")));
    }

    /// <summary>initdb refuses to run as root: as root, run the PostgreSQL programs as the postgres user.</summary>
    internal static void Run(bool asPostgres, string exe, string arguments)
    {
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : exe)
        {
            Arguments = asPostgres ? $"-u postgres -- {exe} {arguments}" : arguments,
            // pg_ctl's server inherits its output: redirected, the pipe would never close and the read would hang.
            RedirectStandardOutput = !exe.EndsWith("pg_ctl", StringComparison.Ordinal),
            RedirectStandardError = !exe.EndsWith("pg_ctl", StringComparison.Ordinal),
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = psi.RedirectStandardOutput ? p.StandardOutput.ReadToEndAsync() : Task.FromResult("");
        var stderr = psi.RedirectStandardError ? p.StandardError.ReadToEnd() : "";
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) throw new TimeoutException($"{exe} {arguments} did not finish in 2 minutes.");
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {arguments} failed ({p.ExitCode}): {stderr} {stdout.Result}");
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
