using System.Diagnostics;
using Npgsql;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>PostgreSQL's own client tools, for floors measured beside the app's figures.</summary>
public static class PgTools
{
    /// <summary>The newest installed pg_dump (it must be at least the server's version).</summary>
    private static readonly Lazy<string> PgDumpPath = new(() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_dump")).Where(File.Exists)
                .OrderBy(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0).LastOrDefault() ?? "pg_dump"
            : "pg_dump");

    /// <summary><c>pg_dump -Fc</c> (custom format, compressed, one consistent snapshot) of the database into <paramref name="file"/>.</summary>
    public static void Dump(string connectionString, string file)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(PgDumpPath.Value, ["-Fc", "-h", cs.Host!, "-p", cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", cs.Username ?? "postgres", "-d", cs.Database!, "-f", file]) { UseShellExecute = false, RedirectStandardError = true };
        if (!string.IsNullOrEmpty(cs.Password)) start.Environment["PGPASSWORD"] = cs.Password;
        using var dump = Process.Start(start)!;
        var errors = dump.StandardError.ReadToEnd();
        dump.WaitForExit();
        if (dump.ExitCode != 0) throw new InvalidOperationException($"pg_dump failed ({dump.ExitCode}): {errors}");
    }
}
