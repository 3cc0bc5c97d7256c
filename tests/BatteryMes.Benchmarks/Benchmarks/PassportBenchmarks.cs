using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Passport;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>The battery passport record of one completed pack with 96 cells (48 in each module) and its two modules: the
/// pack with its stages and results, the components in place, the model file's data, built into the record. The seed
/// has no cells, so the setup fits 96 into the benchmarked pack of a working copy.</summary>
[Config(typeof(FeatureConfig))]
public class PassportBenchmarks : FeatureBenchmarkBase
{
    public const int CellsPerModule = 48;
    private PassportBuilder _passports = null!;
    private string _packId = "";

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        Start("passport", Packs, writes: true);
        _passports = Services.GetRequiredService<PassportBuilder>();
        using var db = Services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContext();
        var pack = db.Packs.AsNoTracking().Where(p => p.CompletedUtc != null).OrderByDescending(p => p.Id).First();
        _packId = pack.PackId;
        if (!db.ComponentLinks.Any(l => l.PackRowId == pack.Id))
        {
            var now = DateTime.UtcNow;
            foreach (var side in new[] { Module.X, Module.Y })
            {
                db.ComponentLinks.Add(new ComponentLink
                {
                    Component = new Component { Kind = ComponentKind.Module, Serial = $"{_packId}-M{side}", CreatedUtc = now, UpdatedUtc = now },
                    PackRowId = pack.Id, Side = side, StageNumber = 7, LinkedUtc = now, LinkedBy = "bench",
                });
                for (var i = 1; i <= CellsPerModule; i++)
                    db.ComponentLinks.Add(new ComponentLink
                    {
                        Component = new Component
                        {
                            Kind = ComponentKind.Cell, Serial = $"{_packId}-{side}{i:00}", Lot = "LOT-BENCH", CapacityAh = 6.1, VoltageV = 3.59,
                            ResistanceMilliOhm = 12.0, Source = "import: bench.csv", CreatedUtc = now, UpdatedUtc = now,
                        },
                        PackRowId = pack.Id, Side = side, Position = i, StageNumber = 1, LinkedUtc = now, LinkedBy = "bench",
                    });
            }
            db.SaveChanges();
        }
    }

    [GlobalCleanup]
    public void TearDown() => Stop();

    [Benchmark(Description = "Battery passport of one pack (96 cells)")]
    public async Task<int> Passport()
    {
        var passport = await _passports.BuildAsync(_packId) ?? throw new InvalidOperationException($"Pack {_packId} vanished.");
        var cells = passport.Modules.Sum(m => m.Cells.Count);
        if (cells != 2 * CellsPerModule) throw new InvalidOperationException($"The passport of {_packId} lists {cells} cells.");
        return cells;
    }
}
