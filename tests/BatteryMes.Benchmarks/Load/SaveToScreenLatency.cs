using System.Diagnostics;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatteryMes.Benchmarks.Load;

/// <summary>Save-to-screen latency, in process (no browser, no SignalR): the time from calling
/// <see cref="PackRecorder.SaveStageAsync"/> to (1) a <see cref="PackChangeFeed"/> subscriber being told, (2) the save
/// returning, and (3) a dashboard panel's re-read (<see cref="LiveRefresh"/> with the configured quiet delay, then the
/// first screen's queries) completing. Saves are spaced wider than the delay, so each save gets its own re-read.</summary>
public static class SaveToScreenLatency
{
    public sealed record Figures(int Saves, int DelayMs, double[] Notified, double[] Returned, double[] Refreshed);

    public static async Task<Figures> RunAsync(int packs, int saves, int delayMs)
    {
        var file = SeededDatabases.SqliteWorkingCopy(packs, "latency");
        var folder = Path.Combine(SeededDatabases.Root, "work", $"latency-{packs}-out");
        try
        {
            await using var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={file}", folder);
            var recorder = services.GetRequiredService<PackRecorder>();
            var feed = services.GetRequiredService<PackChangeFeed>();
            var dashboard = services.GetRequiredService<DashboardQueries>();
            var route = services.GetRequiredService<ProcessRoute>();
            var stage = route.Stages.FirstOrDefault(s => s.Name == "Pack assembly") ?? route.GetStage(7);
            List<string> waiting;
            await using (var db = await services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync())
                waiting = await db.Packs.AsNoTracking()
                    .Where(p => p.Status == PackStatus.InProcess && p.CurrentStage == stage.Number && !p.Stages.Any(s => s.StageNumber == stage.Number))
                    .OrderBy(p => p.Id).Select(p => p.PackId).Take(saves).ToListAsync();
            if (waiting.Count == 0) throw new InvalidOperationException($"The seed has no pack waiting at stage {stage.Number}.");

            long started = 0;
            var notified = new List<double>();
            var refreshed = new List<double>();
            var returned = new List<double>();
            TaskCompletionSource refreshDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscriber = feed.Subscribe(change =>
            {
                if (change.Kind == PackChangeKind.Saved) lock (notified) notified.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return Task.CompletedTask;
            });
            using var panel = new LiveRefresh(feed, TimeSpan.FromMilliseconds(delayMs), async () =>
            {
                await dashboard.GetFirstScreenAsync();
                refreshed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                refreshDone.TrySetResult();
            }, NullLogger.Instance);

            // Two warm-up saves (JIT, connection pool, first queries), not counted.
            for (var i = 0; i < waiting.Count; i++)
            {
                refreshDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
                started = Stopwatch.GetTimestamp();
                var result = await recorder.SaveStageAsync(StageSaveBenchmarks.FullStageSave(stage, waiting[i]), new Actor("bench", "latency"));
                returned.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!result.Succeeded) throw new InvalidOperationException($"The save of {waiting[i]} failed: {result.Message}");
                await refreshDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await Task.Delay(100);
                if (i == 1)
                {
                    lock (notified) notified.Clear();
                    returned.Clear();
                    refreshed.Clear();
                }
            }
            return new Figures(returned.Count, delayMs, [.. notified], [.. returned], [.. refreshed]);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    public static string Table(Figures f)
    {
        static string Row(string what, double[] values)
        {
            var sorted = values.Order().ToArray();
            double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return $"| {what} | {At(0.5):F1} | {At(0.95):F1} | {sorted.LastOrDefault():F1} |";
        }
        return "| From the call to PackRecorder.SaveStageAsync until | median ms | p95 ms | max ms |\n|---|---:|---:|---:|\n" +
            Row("a PackChangeFeed subscriber is told", f.Notified) + "\n" +
            Row("the save returns to its caller", f.Returned) + "\n" +
            Row($"a dashboard panel's re-read (quiet delay {f.DelayMs} ms + first-screen queries) is done", f.Refreshed) + "\n";
    }
}
