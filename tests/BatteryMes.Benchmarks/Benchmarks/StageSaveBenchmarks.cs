using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>Save of one full stage through <see cref="PackRecorder"/>: stage 7 "Pack assembly", 22 checks, Module X
/// and Module Y with measured values, technician, QC inspector and remarks; the recorder validates, checks blocking,
/// writes the check rows and the audit log (about 70 rows) and recomputes statuses in one transaction.
/// Each iteration saves on a pack waiting at stage 7 and the cleanup puts the pack back, so the database stays
/// the seeded size (the audit log grows by one save per iteration, as in the plant).</summary>
[Config(typeof(SaveConfig))]
public class StageSaveBenchmarks
{
    private ServiceProvider _services = null!;
    private PackRecorder _recorder = null!;
    private IDbContextFactory<MesDbContext> _contexts = null!;
    private RouteStage _stage = null!;
    private List<(long RowId, string PackId)> _packs = [];
    private int _next;
    private StageSave _save = null!;
    private string _connectionString = "";

    [ParamsSource(nameof(ProviderValues))]
    public DatabaseProvider Provider { get; set; }

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<DatabaseProvider> ProviderValues => BenchScope.Providers;
    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        _connectionString = Provider == DatabaseProvider.Sqlite
            ? $"Data Source={SeededDatabases.SqliteWorkingCopy(Packs, "stage-save")}"
            : SeededDatabases.PostgresWorkingCopy(Packs, "stage_save");
        _services = BenchServices.Build(Provider, _connectionString, Path.Combine(SeededDatabases.Root, "work", $"stage-save-{Provider}-{Packs}-out"));
        _recorder = _services.GetRequiredService<PackRecorder>();
        // As in the app: WAL checkpoints run in the background, not inside a save's commit.
        // BATTERYMES_BENCH_NO_CHECKPOINTS=1 leaves them to SQLite's commits, to compare.
        if (Environment.GetEnvironmentVariable("BATTERYMES_BENCH_NO_CHECKPOINTS") != "1")
            _services.GetRequiredService<SqliteWalCheckpoints>().StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _contexts = _services.GetRequiredService<IDbContextFactory<MesDbContext>>();
        var route = _services.GetRequiredService<ProcessRoute>();
        _stage = route.Stages.FirstOrDefault(s => s.Name == "Pack assembly") ?? route.GetStage(7);

        _packs = PacksWaitingAt(_contexts, _stage, 64);
        if (_packs.Count == 0) throw new InvalidOperationException($"The seed has no pack waiting at stage {_stage.Number}.");
    }

    /// <summary>Up to <paramref name="count"/> packs in process at <paramref name="stage"/> without a record of it yet.</summary>
    public static List<(long RowId, string PackId)> PacksWaitingAt(IDbContextFactory<MesDbContext> contexts, RouteStage stage, int count)
    {
        using var db = contexts.CreateDbContext();
        return db.Packs.AsNoTracking()
            .Where(p => p.Status == PackStatus.InProcess && p.CurrentStage == stage.Number && !p.Stages.Any(s => s.StageNumber == stage.Number))
            .OrderBy(p => p.Id).Select(p => new { p.Id, p.PackId }).Take(count).AsEnumerable()
            .Select(p => (p.Id, p.PackId)).ToList();
    }

    [IterationSetup]
    public void NextPack()
    {
        var (_, packId) = _packs[_next++ % _packs.Count];
        _save = FullStageSave(_stage, packId);
    }

    [Benchmark(Description = "Save one full stage (stage 7, 22 checks, both modules)")]
    public async Task SaveFullStage()
    {
        var result = await _recorder.SaveStageAsync(_save, Technician);
        if (!result.Succeeded) throw new InvalidOperationException($"The save failed: {result.Message}");
    }

    [IterationCleanup]
    public void PutPackBack()
    {
        var rowId = _packs[(_next - 1) % _packs.Count].RowId;
        using var db = _contexts.CreateDbContext();
        // The check results go with their stage record (ON DELETE CASCADE, foreign keys on for both providers).
        db.StageRecords.Where(s => s.PackRowId == rowId && s.StageNumber == _stage.Number).ExecuteDelete();
        db.Packs.Where(p => p.Id == rowId).ExecuteUpdate(s => s
            .SetProperty(p => p.Status, PackStatus.InProcess)
            .SetProperty(p => p.CurrentStage, _stage.Number)
            .SetProperty(p => p.CompletedUtc, (DateTime?)null));
    }

    [GlobalCleanup]
    public void TearDown()
    {
        _services.GetRequiredService<SqliteWalCheckpoints>().StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services.Dispose();
        if (Provider == DatabaseProvider.PostgreSQL) SeededDatabases.DropPostgres(_connectionString);
        else
        {
            // The working copy of 100,000 packs is 1.2 GB: do not leave it behind.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(_connectionString).DataSource;
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    /// <summary>The signed-in person who saves: the stage's technician.</summary>
    public static readonly Actor Technician = new("B. Santos", "bench-client", "bsantos");

    /// <summary>What a technician enters for a whole stage: every check OK for both modules, measured values
    /// inside their limits where the check is measurable.</summary>
    public static StageSave FullStageSave(RouteStage stage, string packId) => new(
        packId,
        stage.Number,
        stage.Checks.Select(c => c.Limits is { } l
            ? new CheckInput(c.Code, QcResult.Ok, QcResult.Ok, Middle(l), Middle(l))
            : new CheckInput(c.Code, QcResult.Ok, QcResult.Ok)).ToList(),
        Remarks: "Benchmark save: all checks recorded in one go.");

    private static double Middle(MeasurementLimits l) => (l.Min, l.Max) switch
    {
        ({ } lo, { } hi) => Math.Round((lo + hi) / 2, 3),
        ({ } lo, null) => lo + 1,
        (null, { } hi) => hi - 0.01,
        _ => 0,
    };
}
