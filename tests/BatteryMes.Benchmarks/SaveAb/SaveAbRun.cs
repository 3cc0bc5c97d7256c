using System.Diagnostics;
using System.Globalization;
using System.Text;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.SaveAb;

/// <summary>The `save-ab` command: the stage save of <see cref="StageSaveBenchmarks"/> through the change-tracker
/// baseline (<see cref="LegacyStageSave"/>) and the real <see cref="PackRecorder"/>, interleaved save by save in one process on
/// one working copy of the seed, so that a busy shared machine slows both alike. Prints medians, p95 and their ratios,
/// statements per save and, for the baseline, where its time goes.</summary>
public static class SaveAbRun
{
    public static async Task<string> RunAsync(DatabaseProvider provider, int packs, int rounds)
    {
        var connectionString = provider == DatabaseProvider.Sqlite
            ? $"Data Source={SeededDatabases.SqliteWorkingCopy(packs, "save-ab")}"
            : SeededDatabases.PostgresWorkingCopy(packs, "save_ab");
        var folder = Path.Combine(SeededDatabases.Root, "work", $"save-ab-{provider}-{packs}-out");
        try
        {
            using var services = BenchServices.Build(provider, connectionString, folder);
            return await RunAsync(services, provider, packs, rounds);
        }
        finally
        {
            if (provider == DatabaseProvider.PostgreSQL) SeededDatabases.DropPostgres(connectionString);
            else
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
                Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
            }
        }
    }

    private static async Task<List<(long RowId, string PackId)>> WaitingPacksAsync(IDbContextFactory<MesDbContext> contexts, RouteStage stage)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var waiting = (await db.Packs.AsNoTracking()
            .Where(p => p.Status == PackStatus.InProcess && p.CurrentStage == stage.Number && !p.Stages.Any(s => s.StageNumber == stage.Number))
            .OrderBy(p => p.Id).Select(p => new { p.Id, p.PackId }).Take(200).ToListAsync())
            .Select(p => (p.Id, p.PackId)).ToList();
        if (waiting.Count == 0) throw new InvalidOperationException($"The seed has no pack waiting at stage {stage.Number}.");
        return waiting;
    }

    private static async Task<string> RunAsync(ServiceProvider services, DatabaseProvider provider, int packs, int rounds)
    {
        // As in the app (and StageSaveBenchmarks): WAL checkpoints run in the background; BATTERYMES_BENCH_NO_CHECKPOINTS=1
        // leaves them to SQLite's commits, to compare.
        var checkpoints = provider == DatabaseProvider.Sqlite && Environment.GetEnvironmentVariable("BATTERYMES_BENCH_NO_CHECKPOINTS") != "1";
        var checkpointer = services.GetRequiredService<SqliteWalCheckpoints>();
        if (checkpoints) await checkpointer.StartAsync(CancellationToken.None);
        try
        {
            return await TimeAsync(services, provider, packs, rounds, checkpoints);
        }
        finally
        {
            if (checkpoints) await checkpointer.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<string> TimeAsync(ServiceProvider services, DatabaseProvider provider, int packs, int rounds, bool checkpoints)
    {
        var recorder = services.GetRequiredService<PackRecorder>();
        var legacy = ActivatorUtilities.CreateInstance<LegacyStageSave>(services);
        var contexts = services.GetRequiredService<IDbContextFactory<MesDbContext>>();
        var route = services.GetRequiredService<ProcessRoute>();
        var stage = route.Stages.FirstOrDefault(s => s.Name == "Pack assembly") ?? route.GetStage(7);
        var waiting = await WaitingPacksAsync(contexts, stage);
        var actor = new Actor("bench", "bench-client");
        var next = 0;
        var statements = new StatementCounter();
        var walFile = services.GetRequiredService<DatabaseTarget>().SqliteFile is { } dbFile ? dbFile + "-wal" : null;
        long WalBytes() => walFile is not null && File.Exists(walFile) ? new FileInfo(walFile).Length : 0;
        var slowest = new List<(bool NewPath, double Ms, string Detail)>();
        async Task<(double Ms, int Statements, long Bytes, double CpuMs)> SaveOnce(bool newPath)
        {
            var (rowId, packId) = waiting[next++ % waiting.Count];
            var save = StageSaveBenchmarks.FullStageSave(stage, packId);
            var before = statements.Count;
            statements.Durations = SaveSections.Enabled ? [] : null;
            var gen2 = GC.CollectionCount(2);
            var wal = WalBytes();
            var bytes = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = CpuClock.Ms();
            var clock = Stopwatch.StartNew();
            var result = newPath ? await recorder.SaveStageAsync(save, actor) : await legacy.SaveStageAsync(save, actor);
            var ms = clock.Elapsed.TotalMilliseconds;
            var cpuMs = CpuClock.Ms() - cpu;
            if (statements.Durations is { } durations)
            {
                durations["total"] = ms;
                durations["outside the database (EF, rules, SQL text, feed)"] = ms - durations.Where(d => d.Key.StartsWith("db:", StringComparison.Ordinal)).Sum(d => d.Value);
                if (newPath)
                    foreach (var (section, value) in durations)
                    {
                        if (!NewSections.TryGetValue(section, out var list)) NewSections[section] = list = [];
                        list.Add(value);
                    }
                // Where the time of each save went, kept for the slowest few: database steps, CPU, gen2 GCs, WAL size.
                slowest.Add((newPath, ms, string.Join(", ", durations.Where(d => d.Key != "total").Select(d =>
                    $"{d.Key} {d.Value.ToString("F1", CultureInfo.InvariantCulture)}"))
                    + $"; CPU {cpuMs.ToString("F1", CultureInfo.InvariantCulture)} ms; gen2 GCs {GC.CollectionCount(2) - gen2}"
                    + (walFile is null ? "" : $"; WAL {wal / 1024} KB -> {WalBytes() / 1024} KB")));
                statements.Durations = null;
            }
            bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
            var count = statements.Count - before;
            if (!result.Succeeded) throw new InvalidOperationException($"The save failed: {result.Message}");
            await using var db = await contexts.CreateDbContextAsync();
            await db.StageRecords.Where(s => s.PackRowId == rowId && s.StageNumber == stage.Number).ExecuteDeleteAsync();
            await db.Packs.Where(p => p.Id == rowId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PackStatus.InProcess)
                .SetProperty(p => p.CurrentStage, stage.Number)
                .SetProperty(p => p.CompletedUtc, (DateTime?)null));
            return (ms, count, bytes, cpuMs);
        }

        for (var i = 0; i < 10; i++) { await SaveOnce(false); await SaveOnce(true); }
        SaveSections.Enabled = true;
        var load = ResultsTable.LoadAverage();
        var old = new List<(double Ms, int Statements, long Bytes, double CpuMs)>();
        var @new = new List<(double Ms, int Statements, long Bytes, double CpuMs)>();
        for (var i = 0; i < rounds; i++)
        {
            // Alternate which path goes first, so that neither always follows the other's clean-up.
            if (i % 2 == 0) { old.Add(await SaveOnce(false)); @new.Add(await SaveOnce(true)); }
            else { @new.Add(await SaveOnce(true)); old.Add(await SaveOnce(false)); }
        }
        SaveSections.Enabled = false;

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Stage save A/B ({provider}, {packs:N0} packs, {rounds} interleaved rounds, stage {stage.Number}, {stage.Checks.Count} checks)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average at start: {load}; at end: {ResultsTable.LoadAverage()}.");
        text.AppendLine();
        text.AppendLine("| path | median | p95 | mean | min | max | statements per save | allocated per save | process CPU per save (median) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, rows) in new[] { ("old (legacy copy)", old), ("new (PackRecorder)", @new) })
        {
            var ms = rows.Select(r => r.Ms).Order().ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {Percentile(ms, 50):F2} ms | {Percentile(ms, 95):F2} ms | {ms.Average():F2} ms | {ms[0]:F2} ms | {ms[^1]:F2} ms | {rows.Average(r => r.Statements):F1} | {rows.Average(r => r.Bytes) / 1024:F0} KB | {Percentile(rows.Select(r => r.CpuMs).Order().ToList(), 50):F2} ms |");
        }
        foreach (var (name, rows) in new[] { ("old", old), ("new", @new) })
            text.AppendLine($"Slowest {name} saves (round: ms): " + string.Join(", ",
                rows.Select((r, i) => (r.Ms, i)).OrderByDescending(r => r.Ms).Take(4).Select(r => r.i.ToString(CultureInfo.InvariantCulture) + ": " + r.Ms.ToString("F1", CultureInfo.InvariantCulture))));
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Where the slowest saves went (ms; background WAL checkpoints {(checkpoints ? "on, as in the app" : "off")}):");
        foreach (var (newPath, ms, detail) in slowest.OrderByDescending(s => s.Ms).Take(6))
            text.AppendLine(CultureInfo.InvariantCulture, $"- {(newPath ? "new" : "old")} {ms:F1}: {detail}");
        var oldMs = old.Select(r => r.Ms).Order().ToList();
        var newMs = @new.Select(r => r.Ms).Order().ToList();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Ratio old/new: median {Percentile(oldMs, 50) / Percentile(newMs, 50):F1}x, p95 {Percentile(oldMs, 95) / Percentile(newMs, 95):F1}x.");
        text.AppendLine();
        foreach (var (title, sections) in new[] { ("Old path, time per section", SaveSections.Times), ("New path, from EF Core's diagnostic events", NewSections) })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{title} (median / p95 / mean, ms):");
            foreach (var (section, times) in sections)
            {
                var sorted = times.Order().ToList();
                text.AppendLine(CultureInfo.InvariantCulture, $"- {section}: {Percentile(sorted, 50):F3} / {Percentile(sorted, 95):F3} / {sorted.Average():F3}");
            }
            text.AppendLine();
        }
        return text.ToString();
    }

    private static readonly Dictionary<string, List<double>> NewSections = [];


    private static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        var rank = p / 100 * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    /// <summary>Counts the database commands EF Core executes (its diagnostic events), on any context of this process.</summary>
    private sealed class StatementCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        public StatementCounter() => DiagnosticListener.AllListeners.Subscribe(this);

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name) listener.Subscribe(this);
        }

        /// <summary>When set, the time of each command, transaction start and commit is added here by kind.</summary>
        public Dictionary<string, double>? Durations { get; set; }

        public void OnNext(KeyValuePair<string, object?> e)
        {
            if (e.Key == CommandExecuted) Interlocked.Increment(ref _count);
            if (Durations is not { } durations) return;
            switch (e.Value)
            {
                case Microsoft.EntityFrameworkCore.Diagnostics.CommandExecutedEventData c:
                    var kind = c.Command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) ? "db: queries" : "db: write command";
                    durations[kind] = durations.GetValueOrDefault(kind) + c.Duration.TotalMilliseconds;
                    break;
                case Microsoft.EntityFrameworkCore.Diagnostics.TransactionEndEventData t when e.Key == TransactionCommitted:
                    durations["db: commit"] = durations.GetValueOrDefault("db: commit") + t.Duration.TotalMilliseconds;
                    break;
                case Microsoft.EntityFrameworkCore.Diagnostics.TransactionEndEventData t when e.Key == TransactionStarted:
                    durations["db: begin"] = durations.GetValueOrDefault("db: begin") + t.Duration.TotalMilliseconds;
                    break;
                case Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData o when e.Key == ConnectionOpened:
                    durations["db: open (pool, pragmas)"] = durations.GetValueOrDefault("db: open (pool, pragmas)") + o.Duration.TotalMilliseconds;
                    break;
            }
        }

        private static readonly string CommandExecuted = Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandExecuted.Name ?? "";
        private static readonly string TransactionCommitted = Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.TransactionCommitted.Name ?? "";
        private static readonly string TransactionStarted = Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.TransactionStarted.Name ?? "";
        private static readonly string ConnectionOpened = Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.ConnectionOpened.Name ?? "";

        public void OnCompleted() { }
        public void OnError(Exception error) { }
    }
}
