using System.Diagnostics;
using BatteryMes.Benchmarks.Seeding;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>SQLite database snapshots of the seeded file, beside a plain `cp` of the same file in the same run:
/// the online backup API (consistent while others write) and VACUUM INTO (a compacted copy), each followed by
/// PRAGMA integrity_check of the copy, and integrity_check alone (so the check's share can be read off).
/// The backup feature's own service (snapshot and verify as separate figures) is in BackupServiceBenchmarks.</summary>
[Config(typeof(SnapshotConfig))]
public class SnapshotBenchmarks
{
    private string _source = "";
    private string _folder = "";
    private string _copy = "";

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        _source = SeededDatabases.SqliteSeed(Packs);
        _folder = Path.Combine(SeededDatabases.Root, "work", $"snapshot-{Packs}");
        Directory.CreateDirectory(_folder);
        _copy = Path.Combine(_folder, "snapshot.db");
    }

    [IterationCleanup]
    public void RemoveCopy()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(_folder)) File.Delete(f);
        DiskState.Settle();
    }

    [Benchmark(Baseline = true, Description = "Plain cp of the database file")]
    public void PlainCopy()
    {
        using var cp = Process.Start(new ProcessStartInfo("cp", ["--", _source, _copy]) { UseShellExecute = false })!;
        cp.WaitForExit();
        if (cp.ExitCode != 0) throw new InvalidOperationException($"cp failed ({cp.ExitCode}).");
    }

    [Benchmark(Description = "Online backup API + integrity_check")]
    public void OnlineBackupAndVerify()
    {
        using (var source = Open(_source))
        using (var destination = Open(_copy))
            source.BackupDatabase(destination);
        Verify(_copy);
    }

    [Benchmark(Description = "VACUUM INTO + integrity_check")]
    public void VacuumIntoAndVerify()
    {
        using (var source = Open(_source))
        using (var cmd = source.CreateCommand())
        {
            cmd.CommandText = "VACUUM INTO $path";
            cmd.Parameters.AddWithValue("$path", _copy);
            cmd.CommandTimeout = 0;
            cmd.ExecuteNonQuery();
        }
        Verify(_copy);
    }

    [Benchmark(Description = "integrity_check alone")]
    public void IntegrityCheckOnly() => Verify(_source);

    // Read-write mode even for reading: a read-only connection cannot open a WAL database without its -shm file.
    private static SqliteConnection Open(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static void Verify(string file)
    {
        using var connection = Open(file);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        cmd.CommandTimeout = 0;
        var verdict = cmd.ExecuteScalar() as string;
        if (verdict != "ok") throw new InvalidOperationException($"integrity_check of {file}: {verdict}");
    }
}
