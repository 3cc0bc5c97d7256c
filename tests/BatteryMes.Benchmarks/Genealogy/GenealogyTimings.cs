using System.Diagnostics;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Genealogy;
using BatteryMes.Web.Features.Passport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.Genealogy;

/// <summary>`bench genealogy --packs 1000,10000`: wall-clock times of trace and scan over a SQLite database seeded
/// with genealogy: every pack with two modules and 96 cells (48 per module), the cells in lots of 5,000 (so a lot
/// spans about 52 packs), plus one pack whose Module X already holds 199 cells for the scan-to-shown figure. The
/// seed is cached under the bench folder by pack count and schema; queries go through the app's own services.</summary>
public static class GenealogyTimings
{
    public const int CellsPerModule = 48;
    public const int CellsPerLot = 5_000;
    private const string ScanPack = "BP-G-SCAN";

    public static async Task<string> RunAsync(IReadOnlyList<int> packCounts, int rounds)
    {
        var lines = new List<string> { $"Genealogy over SQLite seeds ({Environment.ProcessorCount} cores, load {ResultsTable.LoadAverage()}), median of {rounds} after one warm-up:" };
        foreach (var packs in packCounts)
        {
            var seed = Seed(packs);
            var file = Path.Combine(SeededDatabases.Root, "work", $"genealogy-{packs}-{Environment.ProcessId}.db");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Copy(seed, file, overwrite: true);
            var home = Path.Combine(SeededDatabases.Root, "work", $"genealogy-home-{packs}-{Environment.ProcessId}");
            await using var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={file}", home);
            var trace = services.GetRequiredService<TraceQueries>();
            var linker = services.GetRequiredService<ComponentLinker>();
            var passports = services.GetRequiredService<PassportBuilder>();
            var actor = new Actor("Bench Operator", "127.0.0.1", "bench", [Role.Operator]);
            var random = new Random(7);
            var lots = packs * 2 * CellsPerModule / CellsPerLot;

            async Task Time(string what, Func<int, Task<string>> run)
            {
                var detail = await run(-1);
                var times = new List<double>();
                for (var i = 0; i < rounds; i++)
                {
                    var watch = Stopwatch.StartNew();
                    detail = await run(i);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
                lines.Add($"- {packs:N0} packs, {what}: median {times.Order().ElementAt(times.Count / 2):0.0} ms (min {times.Min():0.0}, max {times.Max():0.0}; {detail})");
            }

            await Time("lot to its packs (first page of 50)", async _ =>
            {
                var lot = await trace.LotAsync($"LOT-{random.Next(lots):D5}");
                return $"{lot.PackCount} packs, {lot.CellsInLot} cells in the lot";
            });
            await Time("pack to its modules and cells", async _ =>
            {
                var pack = await trace.PackAsync(PackId(random.Next(packs)));
                return $"{pack!.Modules.Count} modules, {pack.Cells.Count} cells";
            });
            await Time("cell to its pack", async _ =>
            {
                var cell = await trace.CellAsync(CellSerial(random.Next(packs), random.Next(2 * CellsPerModule)));
                return $"in {cell!.Pack!.PackId}";
            });
            await Time("battery passport of one pack (2 modules, 96 cells)", async _ =>
            {
                var passport = await passports.BuildAsync(PackId(random.Next(packs)));
                return $"{passport!.Modules.Count} modules, {passport.Modules.Sum(m => m.Cells.Count)} cells";
            });
            await Time("scan one cell into a module holding 199 cells", async i =>
            {
                var result = await linker.ScanAsync(new ComponentScan(ScanPack, ScanSteps.CellSorting, Module.X, $"SCAN-NEW-{i + 1:D4}"), actor);
                return $"{result.Outcome}, position {result.Place?.Position}";
            });
            SqliteConnection.ClearAllPools();
            foreach (var leftover in new[] { file, file + "-wal", file + "-shm" }) File.Delete(leftover);
            Directory.Delete(home, recursive: true);
        }
        return string.Join('\n', lines);
    }

    internal static string PackId(int i) => $"BP-G-{i:D6}";
    internal static string CellSerial(int pack, int k) => $"C{pack:D6}-{k:D2}";

    /// <summary>The cached seed for <paramref name="packs"/> packs, written first when missing.</summary>
    public static string Seed(int packs)
    {
        Directory.CreateDirectory(SeededDatabases.Root);
        var file = Path.Combine(SeededDatabases.Root, $"seed-genealogy-sqlite-{packs}-{SeededDatabases.SchemaId(DatabaseProvider.Sqlite)}-g1.db");
        if (File.Exists(file)) return file;
        var building = file + ".building";
        File.Delete(building);
        SeededDatabases.Log($"Seeding genealogy with {packs:N0} packs into {file} ...");
        using (var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={building}", Path.Combine(SeededDatabases.Root, "schema")))
            services.GetRequiredService<DatabaseInitializer>().InitializeAsync().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
        var watch = Stopwatch.StartNew();
        Write(building, packs);
        SqliteConnection.ClearAllPools();
        File.Move(building, file);
        SeededDatabases.Log($"Seeded genealogy: {packs:N0} packs, {packs * 2L * CellsPerModule:N0} cells in {watch.Elapsed.TotalSeconds:N0} s; {new FileInfo(file).Length / 1048576.0:N0} MB");
        return file;
    }

    /// <summary>One transaction, one prepared command per table (like <see cref="SqliteSeedWriter"/>).</summary>
    private static void Write(string file, int packs)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");
        using var tx = connection.BeginTransaction();
        using var pack = Prepare(connection, tx, "INSERT INTO \"Packs\" (\"Id\", \"PackId\", \"CreatedUtc\", \"UpdatedUtc\", \"Status\", \"CurrentStage\") VALUES ($id, $packId, $at, $at, $status, $stage)");
        using var component = Prepare(connection, tx, "INSERT INTO \"Components\" (\"Id\", \"Kind\", \"Serial\", \"Lot\", \"CapacityAh\", \"VoltageV\", \"ResistanceMilliOhm\", \"Source\", \"CreatedUtc\", \"UpdatedUtc\") VALUES ($id, $kind, $serial, $lot, $cap, $v, $ir, $source, $at, $at)");
        using var link = Prepare(connection, tx, "INSERT INTO \"ComponentLinks\" (\"ComponentId\", \"PackRowId\", \"Side\", \"Position\", \"StageNumber\", \"LinkedUtc\", \"LinkedBy\", \"LinkedByLogin\") VALUES ($component, $pack, $side, $position, $stage, $at, 'Seed Operator', 'seed')");
        var start = DateTime.UtcNow.AddDays(-365);
        long componentId = 0, cellIndex = 0;
        var random = new Random(42);
        void AddPack(long rowId, string packId, DateTime at)
        {
            Set(pack, ("$id", rowId), ("$packId", packId), ("$at", at), ("$status", (byte)PackStatus.InProcess), ("$stage", 3));
            pack.ExecuteNonQuery();
        }
        void AddComponent(ComponentKind kind, string serial, string? lot, long packRow, Module side, int? position, int stage, DateTime at)
        {
            componentId++;
            Set(component, ("$id", componentId), ("$kind", (byte)kind), ("$serial", serial), ("$lot", lot),
                ("$cap", kind == ComponentKind.Cell ? 50.0 : null), ("$v", kind == ComponentKind.Cell ? 3.58 + random.NextDouble() * 0.02 : null),
                ("$ir", kind == ComponentKind.Cell ? 11.5 + random.NextDouble() : null), ("$source", kind == ComponentKind.Cell ? "import: seed.csv" : "scan"), ("$at", at));
            component.ExecuteNonQuery();
            Set(link, ("$component", componentId), ("$pack", packRow), ("$side", (byte)side), ("$position", position), ("$stage", stage), ("$at", at));
            link.ExecuteNonQuery();
        }
        for (var p = 0; p < packs; p++)
        {
            var at = start.AddSeconds(p * 365.0 * 86400 / packs);
            AddPack(p + 1, PackId(p), at);
            foreach (var side in new[] { Module.X, Module.Y })
            {
                AddComponent(ComponentKind.Module, $"M{p:D6}-{side}", null, p + 1, side, null, ScanSteps.ModuleAssembly, at);
                for (var k = 0; k < CellsPerModule; k++)
                {
                    var index = (side == Module.X ? 0 : CellsPerModule) + k;
                    AddComponent(ComponentKind.Cell, CellSerial(p, index), $"LOT-{cellIndex++ / CellsPerLot:D5}", p + 1, side, k + 1, ScanSteps.CellSorting, at);
                }
            }
            if ((p + 1) % 10_000 == 0) SeededDatabases.Log($"  {p + 1:N0} packs written");
        }
        var scanRow = packs + 1L;
        AddPack(scanRow, ScanPack, DateTime.UtcNow);
        for (var k = 0; k < 199; k++) AddComponent(ComponentKind.Cell, $"SCAN-{k:D4}", "LOT-SCAN", scanRow, Module.X, k + 1, ScanSteps.CellSorting, DateTime.UtcNow);
        tx.Commit();
        Execute(connection, "PRAGMA journal_mode=WAL; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);");
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private static void Set(SqliteCommand cmd, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            if (cmd.Parameters.Contains(name)) cmd.Parameters[name].Value = value ?? DBNull.Value;
            else cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
