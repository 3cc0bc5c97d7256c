using System.Diagnostics;
using System.Globalization;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.SnapshotAb;

/// <summary>The cost of a snapshot after one save (stage 7, 22 checks, through <see cref="PackRecorder"/>) on a working
/// copy of the seed in WAL mode: a plain cp of the database file, the full snapshot copy as the app makes it (online
/// backup API, then fsync), and the two incremental ways, WAL frames since the last capture and changed pages by page
/// hash (each written to a delta file and fsynced), interleaved round by round in a rotating order, the disk settled
/// before each. Then what each needs before it can count as verified: quick_check of the full copy, and for the WAL
/// deltas a copy of the base with every delta applied, then quick_check. That restored file must hold the live
/// database's row counts, or the run fails: the incremental way is measured only while it restores correctly.</summary>
public static class SnapshotAfterSaveRun
{
    private sealed record Method(string Name, Func<long> Run);

    public static string Run(int packs, int rounds)
    {
        var live = SeededDatabases.SqliteWorkingCopy(packs, "snapshot-after-save");
        var folder = Path.GetDirectoryName(live)!;
        var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={live}", Path.Combine(folder, "out"));
        try
        {
            return Measure(services, live, folder, packs, rounds);
        }
        finally
        {
            services.Dispose();
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Measure(ServiceProvider services, string live, string folder, int packs, int rounds)
    {
        var recorder = services.GetRequiredService<PackRecorder>();
        var contexts = services.GetRequiredService<IDbContextFactory<MesDbContext>>();
        var route = services.GetRequiredService<ProcessRoute>();
        var stage = route.Stages.FirstOrDefault(s => s.Name == "Pack assembly") ?? route.GetStage(7);
        using (var db = contexts.CreateDbContext()) db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        var waiting = StageSaveBenchmarks.PacksWaitingAt(contexts, stage, rounds);
        if (waiting.Count < rounds) throw new InvalidOperationException($"The seed has {waiting.Count} packs waiting at stage {stage.Number}, fewer than {rounds} rounds.");

        // Held open for the whole run, as the app's connection pool holds its connections: when the last connection to
        // a WAL database closes, SQLite checkpoints and deletes the -wal file, and uncaptured frames go with it.
        using var keepOpen = new SqliteConnection(SnapshotFile.ConnectionString(live, SqliteOpenMode.ReadWrite));
        keepOpen.Open();
        SnapshotFile.Execute(keepOpen, "SELECT COUNT(*) FROM sqlite_master;");
        var wal = new WalFrameCapture(live);
        var hashes = new PageHashDelta(live);
        var baseFile = Path.Combine(folder, "base.db");
        var deltas = new List<PageDelta>();
        // The base of the chain, and the log position it stands for, taken together under the write lock.
        WalFrameCapture.UnderWriteLock(live, () =>
        {
            Checkpoint(live);
            wal.Capture();
            SnapshotFile.CopyOnline(live, baseFile);
            return 0;
        });
        hashes.Capture();

        var fullCopy = Path.Combine(folder, "full.db");
        var cpCopy = Path.Combine(folder, "cp.db");
        var walDelta = Path.Combine(folder, "wal.delta");
        var hashDelta = Path.Combine(folder, "hash.delta");
        var restored = Path.Combine(folder, "restored.db");
        var methods = new List<Method>
        {
            new("Plain cp of the database file", () =>
            {
                SnapshotAbRun.PlainCopy(live, cpCopy);
                return new FileInfo(cpCopy).Length;
            }),
            new("Full snapshot copy + fsync (the app today)", () =>
            {
                SnapshotFile.CopyOnline(live, fullCopy);
                SnapshotFile.Flush(fullCopy);
                return new FileInfo(fullCopy).Length;
            }),
            new("Incremental (a): WAL frames since the last capture + fsync", () =>
            {
                // Captured and checkpointed under one write lock, so that no frame can be checkpointed (and the log
                // restarted) before it is captured.
                var delta = WalFrameCapture.UnderWriteLock(live, () =>
                {
                    var captured = wal.Capture();
                    captured.Write(walDelta);
                    Checkpoint(live);
                    return captured;
                });
                deltas.Add(delta);
                return new FileInfo(walDelta).Length;
            }),
            new("Incremental (b): changed pages by page hash + fsync", () =>
            {
                hashes.Capture().Write(hashDelta);
                return new FileInfo(hashDelta).Length;
            }),
        };
        var checks = new List<Method>
        {
            new("Check before verified: quick_check of the full copy", () => Check(fullCopy)),
            new("Check before verified, (a): copy of the base + every delta applied, quick_check", () =>
            {
                File.Copy(baseFile, restored, overwrite: true);
                PageDelta.ApplyOnto(restored, deltas);
                return Check(restored);
            }),
        };
        var wall = methods.Concat(checks).ToDictionary(m => m.Name, _ => new List<double>());
        var cpu = methods.Concat(checks).ToDictionary(m => m.Name, _ => new List<double>());
        var bytes = methods.Concat(checks).ToDictionary(m => m.Name, _ => new List<long>());
        void Time(Method method)
        {
            SqliteConnection.ClearAllPools();
            DiskState.Settle();
            var cpuBefore = CpuClock.Ms(withChildren: true);
            var clock = Stopwatch.StartNew();
            bytes[method.Name].Add(method.Run());
            wall[method.Name].Add(clock.Elapsed.TotalMilliseconds);
            cpu[method.Name].Add(CpuClock.Ms(withChildren: true) - cpuBefore);
        }

        var loadAtStart = ResultsTable.LoadAverage();
        for (var round = 0; round < rounds; round++)
        {
            var save = recorder.SaveStageAsync(StageSaveBenchmarks.FullStageSave(stage, waiting[round].PackId), StageSaveBenchmarks.Technician).GetAwaiter().GetResult();
            if (!save.Succeeded) throw new InvalidOperationException($"The save failed: {save.Message}");
            // What the app's checkpointer would have done by the time a snapshot runs: the save's pages in the file.
            // The WAL frames stay readable until the next write restarts the log.
            Checkpoint(live);
            for (var i = 0; i < methods.Count; i++)
                Time(methods[(i + round) % methods.Count]);
            foreach (var check in checks) Time(check);
            var expected = RowCounts(live);
            var actual = RowCounts(restored);
            if (!expected.SequenceEqual(actual))
                throw new InvalidOperationException($"Round {round}: base + WAL deltas restored {string.Join(", ", actual)}; the live database holds {string.Join(", ", expected)}.");
        }

        var cpMedian = Timings.Median(wall[methods[0].Name]);
        var text = Timings.Report($"Snapshot after one save, {packs:N0} packs ({new FileInfo(live).Length / 1048576.0:N0} MB), {rounds} interleaved rounds", loadAtStart);
        text.AppendLine("Each round saves one full stage, then takes each kind of snapshot (rotating order, disk settled before each). " +
            "The WAL deltas of every round were applied to their base and matched the live database's row counts.");
        text.AppendLine();
        text.AppendLine("| method | wall median | wall min | wall max | x cp (median) | CPU median (user + system) | written |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in methods.Concat(checks))
        {
            var w = wall[m.Name];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Name} | {Ms(Timings.Median(w))} | {Ms(w.Min())} | {Ms(w.Max())} | {Timings.Median(w) / cpMedian:0.000} | {Ms(Timings.Median(cpu[m.Name]))} | {Size(Timings.Median(bytes[m.Name].Select(b => (double)b)))} |");
        }
        return text.ToString();
    }

    private static void Checkpoint(string file)
    {
        using var connection = new SqliteConnection(SnapshotFile.ConnectionString(file, SqliteOpenMode.ReadWrite));
        connection.Open();
        SnapshotFile.Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
    }

    /// <summary>quick_check as the app's <see cref="SnapshotFile.Verify"/> runs it; the "written" column is 0 for checks.</summary>
    private static long Check(string file)
    {
        var check = SnapshotFile.Verify(file, SnapshotCheckDepth.Quick);
        if (!check.Verified) throw new InvalidOperationException($"{file}: {check.Problem}");
        return 0;
    }

    private static List<long> RowCounts(string file)
    {
        using var connection = new SqliteConnection(SnapshotFile.ConnectionString(file, SqliteOpenMode.ReadWrite));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM \"Packs\"), (SELECT COUNT(*) FROM \"StageRecords\"), (SELECT COUNT(*) FROM \"CheckResults\"), (SELECT COUNT(*) FROM \"AuditLog\"), (SELECT MAX(\"Id\") FROM \"AuditLog\");";
        using var reader = command.ExecuteReader();
        reader.Read();
        return Enumerable.Range(0, 5).Select(i => reader.IsDBNull(i) ? 0 : reader.GetInt64(i)).ToList();
    }

    private static string Ms(double ms) => ms >= 1000 ? $"{ms / 1000:0.00} s" : ms >= 10 ? $"{ms:0} ms" : $"{ms:0.0} ms";

    private static string Size(double bytes) => bytes switch
    {
        0 => "",
        < 1048576 => $"{bytes / 1024:0} KB",
        _ => $"{bytes / 1048576:N0} MB",
    };
}
