using BatteryMes.Tests.Infrastructure;

namespace BatteryMes.Tests.Faults;

/// <summary>A PostgreSQL cluster of one test's own (initdb + pg_ctl on a free loopback port), so the test can stop and
/// start it without touching the shared cluster every other PostgreSQL test uses.</summary>
public sealed class OwnPostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly int _port;
    private readonly bool _asPostgres = Environment.UserName == "root";

    private OwnPostgresCluster(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        _port = port;
    }

    /// <summary>The cluster's maintenance database; the app migrates into it like into any empty database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=30";

    public static OwnPostgresCluster Start()
    {
        var bin = PostgresServer.FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found (looked for /usr/lib/postgresql/*/bin/initdb); install the postgresql package.");
        var dir = Path.Combine(Path.GetTempPath(), $"batterymes-pgown-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        var cluster = new OwnPostgresCluster(bin, dir, PostgresServer.FreePort());
        if (cluster._asPostgres) PostgresServer.Run(false, "chown", $"postgres \"{dir}\"");
        PostgresServer.Run(cluster._asPostgres, Path.Combine(bin, "initdb"), $"-D \"{dir}/data\" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8");
        cluster.StartServer();
        return cluster;
    }

    /// <summary>pg_ctl start, waiting until it accepts connections.</summary>
    public void StartServer() => PostgresServer.Run(_asPostgres, Path.Combine(_bin, "pg_ctl"),
        $"-D \"{_dir}/data\" -l \"{_dir}/log\" -o \"-p {_port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100\" -w start");

    /// <summary>pg_ctl stop -m fast: what an administrator's restart does (open sessions are ended, transactions rolled back).</summary>
    public void StopServer() => PostgresServer.Run(_asPostgres, Path.Combine(_bin, "pg_ctl"), $"-D \"{_dir}/data\" -m fast -w stop");

    public void Dispose()
    {
        try
        {
            PostgresServer.Run(_asPostgres, Path.Combine(_bin, "pg_ctl"), $"-D \"{_dir}/data\" -m immediate stop");
        }
        catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* a leftover temp folder does not affect results */ }
        catch (UnauthorizedAccessException) { }
    }
}
