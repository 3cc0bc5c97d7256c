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

/// <summary>The features' services over a seeded database, for each provider of the run (<see cref="BenchScope.Providers"/>).
/// SQLite: read-only suites read the seed file itself, suites that write get a copy of it. PostgreSQL: read-only suites
/// share one working copy per pack count (<see cref="SeededDatabases.PostgresReadCopy"/>), suites that write get their
/// own (<see cref="SeededDatabases.PostgresWorkingCopy"/>); the seed templates are never opened.</summary>
public abstract class FeatureBenchmarkBase
{
    protected ServiceProvider Services = null!;
    protected string Folder = "";
    protected string ConnectionString = "";
    private string? _workingCopy;
    private string? _postgresCopy;

    [ParamsSource(nameof(ProviderValues))]
    public DatabaseProvider Provider { get; set; }

    public static IEnumerable<DatabaseProvider> ProviderValues => BenchScope.Providers;

    protected void Start(string purpose, int packs, bool writes, IReadOnlyDictionary<string, string?>? settings = null)
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            var file = writes ? SeededDatabases.SqliteWorkingCopy(packs, purpose) : SeededDatabases.SqliteSeed(packs);
            _workingCopy = writes ? file : null;
            ConnectionString = $"Data Source={file}";
        }
        else
        {
            ConnectionString = writes ? SeededDatabases.PostgresWorkingCopy(packs, purpose.Replace('-', '_')) : SeededDatabases.PostgresReadCopy(packs);
            _postgresCopy = writes ? ConnectionString : null;
        }
        Folder = Path.Combine(SeededDatabases.Root, "work", $"{purpose}-{Provider}-{packs}-{Environment.ProcessId}-out");
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        // BATTERYMES_BENCH_LOG=<category> shows that category's Information messages (e.g. a service's phase times).
        Services = BenchServices.Build(Provider, ConnectionString, Folder, settings,
            informationFrom: Environment.GetEnvironmentVariable("BATTERYMES_BENCH_LOG"));
    }

    protected void Stop()
    {
        Services.Dispose();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        if (_workingCopy is not null) Directory.Delete(Path.GetDirectoryName(_workingCopy)!, recursive: true);
        if (_postgresCopy is not null) SeededDatabases.DropPostgres(_postgresCopy);
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

/// <summary>The backup feature's two phases, measured separately beside a floor for the same database in the same run:
/// the snapshot (BackupService's copy under its final name, which is what a save's data waits for) and its
/// verification (flush to disk, then integrity_check or quick_check, schema and row counts, the record and rotation).
/// SQLite: the snapshot is the online backup API; the floors are a plain cp of the file and cp + fsync (the floor for
/// a copy that is on disk, which the verification phase includes). PostgreSQL: the snapshot is a portable SQLite file
/// filled by row copy (RowCopy.ExportToSqliteAsync); the floor is <c>pg_dump -Fc</c> of the same database, PostgreSQL's
/// own consistent dump (compressed custom format, restorable only into PostgreSQL).</summary>
[Config(typeof(SnapshotConfig))]
public class BackupServiceBenchmarks : FeatureBenchmarkBase
{
    /// <summary>A verified-to-be snapshot kept aside per provider and pack count: on PostgreSQL a row copy of 100,000
    /// packs takes long, so the verification cases check copies of one export instead of exporting before each call.</summary>
    private static readonly Dictionary<(DatabaseProvider, int), (WrittenSnapshot Written, string Kept)> Exports = [];

    private BackupService _backups = null!;
    private string _source = "";
    private WrittenSnapshot? _written;

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        Start("backup-service", Packs, writes: false);
        _source = Provider == DatabaseProvider.Sqlite ? SeededDatabases.SqliteSeed(Packs) : "";
        _backups = Services.GetRequiredService<BackupService>();
    }

    [IterationSetup(Targets = [nameof(VerifyFull), nameof(VerifyQuick)])]
    public void WriteOne()
    {
        RemoveSnapshots();
        if (Provider == DatabaseProvider.PostgreSQL && Exports.TryGetValue((Provider, Packs), out var export))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(export.Written.FilePath)!);
            File.Copy(export.Kept, export.Written.FilePath);
            _written = export.Written;
            return;
        }
        var (written, failure) = _backups.WriteAsync(BackupTrigger.Manual, 0, CancellationToken.None).GetAwaiter().GetResult();
        _written = written ?? throw new InvalidOperationException(failure!.Message);
        if (Provider == DatabaseProvider.PostgreSQL)
        {
            var kept = Path.Combine(SeededDatabases.Root, "work", $"backup-export-{Packs}-{Environment.ProcessId}.db");
            File.Copy(written.FilePath, kept, overwrite: true);
            Exports[(Provider, Packs)] = (written, kept);
        }
    }

    [IterationCleanup]
    public void RemoveSnapshots()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder))
            foreach (var f in Directory.GetFiles(Folder, "*", SearchOption.AllDirectories)) File.Delete(f);
        DiskState.Settle();
    }

    [GlobalCleanup]
    public void TearDown() => Stop();

    /// <summary>Called once at the end of the run (the verification cases share the kept exports).</summary>
    public static void RemoveKeptExports()
    {
        foreach (var (_, kept) in Exports.Values) File.Delete(kept);
        Exports.Clear();
    }

    [Benchmark(Baseline = true, Description = "Plain cp of the database file")]
    [ProviderOnly(DatabaseProvider.Sqlite)]
    public void PlainCopy() => Copy(flush: false);

    [Benchmark(Description = "cp + fsync of the copy")]
    [ProviderOnly(DatabaseProvider.Sqlite)]
    public void PlainCopyFlushed() => Copy(flush: true);

    [Benchmark(Description = "pg_dump -Fc of the database (floor)")]
    [ProviderOnly(DatabaseProvider.PostgreSQL)]
    public void PgDump()
    {
        Directory.CreateDirectory(Folder);
        PgTools.Dump(ConnectionString, Path.Combine(Folder, "dump.pgc"));
    }

    [Benchmark(Description = "BackupService snapshot (SQLite: online copy; PostgreSQL: row copy into SQLite)")]
    public async Task Snapshot()
    {
        var (written, failure) = await _backups.WriteAsync(BackupTrigger.Manual, 0, CancellationToken.None);
        if (written is null) throw new InvalidOperationException(failure!.Message);
    }

    [Benchmark(Description = "BackupService verify (fsync + integrity_check)")]
    public async Task VerifyFull() => await Verify();

    [Benchmark(Description = "BackupService verify (fsync + quick_check)")]
    public async Task VerifyQuick() => await Verify(_written! with { Trigger = "saved" }, quickAllowed: true);

    private async Task Verify(WrittenSnapshot? written = null, bool quickAllowed = false)
    {
        // An automatic snapshot right after a full check gets quick_check; a manual one always gets the full check.
        if (quickAllowed && _backups.DepthFor("saved", DateTime.UtcNow) != SnapshotCheckDepth.Quick)
            _backups.NoteFullCheck(DateTime.UtcNow);
        var result = await _backups.VerifyAsync(written ?? _written!, CancellationToken.None);
        if (!result.Succeeded) throw new InvalidOperationException(result.Message);
    }

    private void Copy(bool flush)
    {
        Directory.CreateDirectory(Folder);
        var copy = Path.Combine(Folder, "copy.db");
        using (var cp = Process.Start(new ProcessStartInfo("cp", ["--", _source, copy]) { UseShellExecute = false })!)
        {
            cp.WaitForExit();
            if (cp.ExitCode != 0) throw new InvalidOperationException($"cp failed ({cp.ExitCode}).");
        }
        if (flush) SnapshotFile.Flush(copy);
    }
}

/// <summary>A QR label batch of 1,000 (the figure, aim under 5 s), as ZIP and as printable sheet: checks for
/// duplicates, draws 1,000 PNGs, records the issued IDs, writes the PNGs, the ZIP and the sheet. Each call uses new
/// numbers, so no batch is refused as a duplicate. One warm-up (JIT, EF model, font) and five measured batches.</summary>
[Config(typeof(FeatureConfig))]
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

    /// <summary>The API's answer: generate the batch (checks, 1,000 PNGs, issued-label rows, files) and hand back the ZIP.</summary>
    [Benchmark(Description = "QR label batch of 1,000, ZIP")]
    public async Task<long> LabelBatchZip()
    {
        var batch = await GenerateAsync();
        return new FileInfo(batch.ZipPath).Length;
    }

    /// <summary>The page's way: generate the batch, then what the print view asks the server for: the sheet's HTML
    /// (from the saved batch) and every label PNG it shows, one request each.</summary>
    [Benchmark(Description = "QR label batch of 1,000, printable sheet")]
    public async Task<long> LabelBatchSheet()
    {
        var batch = await GenerateAsync();
        var manifest = await _labels.ReadBatchAsync(batch.BatchId) ?? throw new InvalidOperationException("The batch was not saved.");
        long bytes = LabelSheet.Styles(manifest).Length + LabelSheet.Pages(manifest, l => QrCodesFeature.FileUrl(manifest.BatchId, l.File)).Length;
        foreach (var label in manifest.Labels)
        {
            var path = await _labels.BatchFileAsync(manifest.BatchId, label.File) ?? throw new InvalidOperationException($"{label.File} is not served.");
            bytes += (await File.ReadAllBytesAsync(path)).Length;
        }
        return bytes;
    }

    private async Task<GeneratedBatch> GenerateAsync()
    {
        var start = 900_000 + 1000 * _batch++;
        var result = await _labels.GenerateAsync(new LabelBatchRequest { Prefix = "QB", Start = start, Count = 1000, Padding = 7 }, "http://127.0.0.1:8620");
        return result.Batch ?? throw new InvalidOperationException(result.Message);
    }
}
