using System.Data.Common;
using System.Diagnostics;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.CsvAb;

/// <summary>`bench csv-ab --packs 100000 --rounds 3 [--db FILE]`: where the results CSV spends its time, each phase timed
/// (wall clock and process CPU) in one process, interleaved round by round so that a busy machine blurs all alike.</summary>
public static class CsvTimings
{
    public static async Task<string> RunAsync(int packs, int rounds, string? file, string[] phases)
    {
        file ??= SeededDatabases.SqliteSeed(packs);
        var folder = Path.Combine(Path.GetTempPath(), $"csv-ab-{Environment.ProcessId}");
        await using var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={file}", folder);
        var contexts = services.GetRequiredService<IDbContextFactory<MesDbContext>>();
        var clock = services.GetRequiredService<PlantClock>();
        var writer = services.GetRequiredService<ResultsCsvWriter>();
        var legacy = new LegacyResultsCsvWriter(contexts, services.GetRequiredService<BatteryMes.Web.Domain.ProcessRoute>(), clock);

        var all = new Dictionary<string, Func<Task<long>>>
        {
            ["reader-wide"] = async () =>
            {
                await using var db = await contexts.CreateDbContextAsync();
                await using var command = PackRowsQuery.Command(db, PackFilter.All, clock, withResults: true);
                await PackRowsQuery.OpenAsync(db, default);
                try
                {
                    await using var reader = await command.ExecuteReaderAsync();
                    long rows = 0, sum = 0;
                    while (await reader.ReadAsync())
                    {
                        rows++;
                        if (reader.IsDBNull(PackRowsQuery.StageRow)) continue;
                        sum += reader.GetInt64(PackRowsQuery.StageRow);
                        if (reader.IsDBNull(PackRowsQuery.CheckCode)) continue;
                        sum += reader.GetString(PackRowsQuery.CheckCode).Length + reader.GetInt32(PackRowsQuery.ModuleX) + reader.GetInt32(PackRowsQuery.ModuleY);
                        if (!reader.IsDBNull(PackRowsQuery.MeasuredX)) sum += (long)reader.GetDouble(PackRowsQuery.MeasuredX);
                        if (!reader.IsDBNull(PackRowsQuery.MeasuredY)) sum += (long)reader.GetDouble(PackRowsQuery.MeasuredY);
                    }
                    return rows;
                }
                finally { await PackRowsQuery.CloseAsync(db); }
            },
            ["reader-narrow"] = async () =>
            {
                await using var db = await contexts.CreateDbContextAsync();
                await db.Database.OpenConnectionAsync();
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = """
                    SELECT s.Id, c.CheckCode, c.ModuleX, c.ModuleY, c.MeasuredX, c.MeasuredY
                    FROM Packs p JOIN StageRecords s ON s.PackRowId = p.Id JOIN CheckResults c ON c.StageRecordId = s.Id
                    ORDER BY p.Id, s.StageNumber
                    """;
                await using var reader = await command.ExecuteReaderAsync();
                long rows = 0, sum = 0;
                while (await reader.ReadAsync())
                {
                    rows++;
                    sum += reader.GetInt64(0) + reader.GetString(1).Length + reader.GetInt32(2) + reader.GetInt32(3);
                    if (!reader.IsDBNull(4)) sum += (long)reader.GetDouble(4);
                    if (!reader.IsDBNull(5)) sum += (long)reader.GetDouble(5);
                }
                return rows;
            },
            ["reader-narrow-sync"] = async () =>
            {
                await using var db = await contexts.CreateDbContextAsync();
                await db.Database.OpenConnectionAsync();
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = """
                    SELECT s.Id, c.CheckCode, c.ModuleX, c.ModuleY, c.MeasuredX, c.MeasuredY
                    FROM Packs p JOIN StageRecords s ON s.PackRowId = p.Id JOIN CheckResults c ON c.StageRecordId = s.Id
                    ORDER BY p.Id, s.StageNumber
                    """;
                using var reader = command.ExecuteReader();
                long rows = 0, sum = 0;
                while (reader.Read())
                {
                    rows++;
                    sum += reader.GetInt64(0) + reader.GetString(1).Length + reader.GetInt32(2) + reader.GetInt32(3);
                    if (!reader.IsDBNull(4)) sum += (long)reader.GetDouble(4);
                    if (!reader.IsDBNull(5)) sum += (long)reader.GetDouble(5);
                }
                return rows;
            },
            ["reader-results-rowid"] = async () =>
            {
                await using var db = await contexts.CreateDbContextAsync();
                await db.Database.OpenConnectionAsync();
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = "SELECT StageRecordId, CheckCode, ModuleX, ModuleY, MeasuredX, MeasuredY FROM CheckResults";
                using var reader = command.ExecuteReader();
                long rows = 0, sum = 0;
                while (reader.Read())
                {
                    rows++;
                    sum += reader.GetInt64(0) + reader.GetString(1).Length + reader.GetInt32(2) + reader.GetInt32(3);
                    if (!reader.IsDBNull(4)) sum += (long)reader.GetDouble(4);
                    if (!reader.IsDBNull(5)) sum += (long)reader.GetDouble(5);
                }
                return rows;
            },
            ["raw-rowid"] = () => RawAsync(contexts, "SELECT StageRecordId, CheckCode, ModuleX, ModuleY, MeasuredX, MeasuredY FROM CheckResults", [0, 2, 3], 1, [4, 5]),
            ["raw-narrow"] = () => RawAsync(contexts, """
                SELECT s.Id, c.CheckCode, c.ModuleX, c.ModuleY, c.MeasuredX, c.MeasuredY
                FROM Packs p JOIN StageRecords s ON s.PackRowId = p.Id JOIN CheckResults c ON c.StageRecordId = s.Id
                ORDER BY p.Id, s.StageNumber
                """, [0, 2, 3], 1, [4, 5]),
            ["writer-old"] = async () =>
            {
                using var sink = new CountingStream();
                await legacy.WriteAsync(PackFilter.All, sink);
                return sink.Length;
            },
            ["writer-new"] = async () =>
            {
                using var sink = new CountingStream();
                await writer.WriteAsync(PackFilter.All, sink);
                return sink.Length;
            },
            ["dump"] = async () =>
            {
                // Both writers' files side by side, for a diff when same-bytes fails.
                await using (var a = File.Create(Path.Combine(Path.GetTempPath(), "csv-ab-old.csv"))) await legacy.WriteAsync(PackFilter.All, a);
                await using var b = File.Create(Path.Combine(Path.GetTempPath(), "csv-ab-new.csv"));
                return await writer.WriteAsync(PackFilter.All, b);
            },
            ["same-bytes"] = async () =>
            {
                using var a = new HashingStream();
                using var b = new HashingStream();
                await legacy.WriteAsync(PackFilter.All, a);
                await writer.WriteAsync(PackFilter.All, b);
                var (ha, hb) = (a.Hash(), b.Hash());
                Console.Error.WriteLine($"old {a.Length:N0} bytes {ha}; new {b.Length:N0} bytes {hb}");
                if (ha != hb) throw new InvalidOperationException("The new writer's CSV differs from the old one's.");
                return b.Length;
            },
        };
        var chosen = phases.Length > 0 ? phases : ["writer-old", "writer-new"];
        var times = chosen.ToDictionary(p => p, _ => new List<(double Wall, double Cpu, long Result)>());
        var lines = new List<string> { $"Results CSV phases over {file} ({Environment.ProcessorCount} cores, load at start {ResultsTable.LoadAverage()}):" };
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var phase in chosen)
            {
                GC.Collect();
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                var result = await all[phase]();
                var wall = watch.Elapsed.TotalSeconds;
                process.Refresh();
                times[phase].Add((wall, (process.TotalProcessorTime - cpu).TotalSeconds, result));
                Console.Error.WriteLine($"round {round + 1} {phase}: {wall:0.00} s wall, {(process.TotalProcessorTime - cpu).TotalSeconds:0.00} s CPU, {result:N0}");
            }
        }
        foreach (var phase in chosen)
        {
            var t = times[phase];
            lines.Add($"- {phase}: wall median {t.Select(x => x.Wall).Order().ElementAt(t.Count / 2):0.00} s (min {t.Min(x => x.Wall):0.00}), " +
                $"CPU median {t.Select(x => x.Cpu).Order().ElementAt(t.Count / 2):0.00} s; result {t[^1].Result:N0}");
        }
        lines.Add($"Load at end {ResultsTable.LoadAverage()}.");
        return string.Join('\n', lines);
    }

    private static async Task<long> RawAsync(IDbContextFactory<MesDbContext> contexts, string sql, int[] intColumns, int textColumn, int[] doubleColumns)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        var handle = ((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()).Handle!;
        if (SQLitePCL.raw.sqlite3_prepare_v2(handle, sql, out var stmt) != SQLitePCL.raw.SQLITE_OK) throw new InvalidOperationException(SQLitePCL.raw.sqlite3_errmsg(handle).utf8_to_string());
        using (stmt)
        {
            long rows = 0, sum = 0;
            while (SQLitePCL.raw.sqlite3_step(stmt) == SQLitePCL.raw.SQLITE_ROW)
            {
                rows++;
                foreach (var c in intColumns) sum += SQLitePCL.raw.sqlite3_column_int64(stmt, c);
                if (textColumn >= 0) sum += SQLitePCL.raw.sqlite3_column_blob(stmt, textColumn).Length;
                foreach (var c in doubleColumns) if (SQLitePCL.raw.sqlite3_column_type(stmt, c) != SQLitePCL.raw.SQLITE_NULL) sum += (long)SQLitePCL.raw.sqlite3_column_double(stmt, c);
            }
            return rows;
        }
    }

    private sealed class HashingStream : CountingStream
    {
        private readonly System.Security.Cryptography.IncrementalHash _hash =
            System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);

        public string Hash() => Convert.ToHexString(_hash.GetHashAndReset());

        protected override void Take(ReadOnlySpan<byte> bytes) => _hash.AppendData(bytes);
    }
}
