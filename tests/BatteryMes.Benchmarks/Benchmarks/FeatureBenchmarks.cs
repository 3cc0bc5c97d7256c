using System.Diagnostics;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.QrCodes;
using BatteryMes.Web.Features.Reports;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>For a feature's whole operation (tens of milliseconds to seconds): one warm-up, five measured calls.</summary>
public sealed class FeatureConfig() : BoundedConfig(warmups: 1, iterations: 5);

/// <summary>The features' services over a seeded SQLite database (PostgreSQL is left out of these suites: see the
/// README). Read-only suites read the seed itself; suites that write get a working copy.</summary>
public abstract class FeatureBenchmarkBase
{
    protected ServiceProvider Services = null!;
    protected string Folder = "";
    private string? _workingCopy;

    protected void Start(string purpose, int packs, bool writes, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var file = writes ? SeededDatabases.SqliteWorkingCopy(packs, purpose) : SeededDatabases.SqliteSeed(packs);
        _workingCopy = writes ? file : null;
        Folder = Path.Combine(SeededDatabases.Root, "work", $"{purpose}-{packs}-out");
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        Services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={file}", Folder, settings);
    }

    protected void Stop()
    {
        Services.Dispose();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        if (_workingCopy is not null) Directory.Delete(Path.GetDirectoryName(_workingCopy)!, recursive: true);
    }
}

/// <summary>What a supervisor and a technician wait for: the dashboard's first screen (headline, stage loads, plan
/// and quality of this week, first tracker page) and one pack's Excel form (the plant's process card, filled).</summary>
[Config(typeof(FeatureConfig))]
public class DashboardAndFormBenchmarks : FeatureBenchmarkBase
{
    private DashboardQueries _dashboard = null!;
    private PackFormWriter _forms = null!;
    private string _packId = "";

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        Start("dashboard-form", Packs, writes: false);
        _dashboard = Services.GetRequiredService<DashboardQueries>();
        _forms = Services.GetRequiredService<PackFormWriter>();
        using var db = Services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContext();
        // A completed pack: all eight stages on its form, the largest form there is.
        _packId = db.Packs.AsNoTracking().Where(p => p.CompletedUtc != null).OrderByDescending(p => p.Id).Select(p => p.PackId).First();
    }

    [GlobalCleanup]
    public void TearDown() => Stop();

    [Benchmark(Description = "Dashboard first screen")]
    public async Task<object> DashboardFirstScreen() => await _dashboard.GetFirstScreenAsync();

    [Benchmark(Description = "One pack's Excel form (completed pack)")]
    public async Task<long> PackForm()
    {
        using var output = new MemoryStream();
        var result = await _forms.WriteAsync(_packId, output);
        if (!result.Succeeded) throw new InvalidOperationException(result.Message);
        return output.Length;
    }
}

/// <summary>The backup feature's snapshot (online copy, then integrity_check and row counts of the copy, then the
/// sidecar record) beside a plain cp of the same file in the same run.</summary>
[Config(typeof(SnapshotConfig))]
public class BackupServiceBenchmarks : FeatureBenchmarkBase
{
    private BackupService _backups = null!;
    private string _source = "";

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        Start("backup-service", Packs, writes: false);
        _source = SeededDatabases.SqliteSeed(Packs);
        _backups = Services.GetRequiredService<BackupService>();
    }

    [IterationCleanup]
    public void RemoveSnapshots()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(Folder, "*", SearchOption.AllDirectories)) File.Delete(f);
    }

    [GlobalCleanup]
    public void TearDown() => Stop();

    [Benchmark(Baseline = true, Description = "Plain cp of the database file")]
    public void PlainCopy()
    {
        Directory.CreateDirectory(Folder);
        using var cp = Process.Start(new ProcessStartInfo("cp", ["--", _source, Path.Combine(Folder, "copy.db")]) { UseShellExecute = false })!;
        cp.WaitForExit();
        if (cp.ExitCode != 0) throw new InvalidOperationException($"cp failed ({cp.ExitCode}).");
    }

    [Benchmark(Description = "BackupService snapshot + verify")]
    public async Task SnapshotAndVerify()
    {
        var result = await _backups.CreateAsync(BackupTrigger.Manual);
        if (!result.Succeeded) throw new InvalidOperationException(result.Message);
    }
}

/// <summary>A QR label batch of 1,000: checks for duplicates, draws 1,000 PNGs, records the issued IDs, writes the
/// PNGs, the ZIP and the print sheet. Each call uses new numbers, so no batch is refused as a duplicate.</summary>
[Config(typeof(SnapshotConfig))]
public class LabelBatchBenchmarks : FeatureBenchmarkBase
{
    private LabelBatchService _labels = null!;
    private int _batch;

    [GlobalSetup]
    public void Setup()
    {
        Start("labels", 1000, writes: true);
        _labels = Services.GetRequiredService<LabelBatchService>();
    }

    [GlobalCleanup]
    public void TearDown() => Stop();

    [Benchmark(Description = "QR label batch of 1,000")]
    public async Task<int> LabelBatch()
    {
        var start = 900_000 + 1000 * _batch++;
        var result = await _labels.GenerateAsync(new LabelBatchRequest { Prefix = "QB", Start = start, Count = 1000, Padding = 7 }, "http://127.0.0.1:8620");
        if (result.Batch is null) throw new InvalidOperationException(result.Message);
        return result.Batch.Labels.Count;
    }
}
