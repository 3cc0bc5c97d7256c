using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Tests.Faults;

/// <summary>PostgreSQL stopped (pg_ctl stop -m fast) and started again while clients keep saving through the JSON API
/// of the real app (its own process, on a cluster of this test's own): during the outage saves and /health answer 503
/// with a plain ProblemDetails (no 500, no stack trace); afterwards the same app process saves again and reports
/// healthy, and every save it acknowledged is in the database.</summary>
public class PostgresOutageTests
{
    private const int Writers = 3;

    [Fact]
    public async Task Stopping_and_restarting_PostgreSQL_under_saves_gives_503_then_recovers_without_a_restart_and_loses_no_acknowledged_save()
    {
        using var cluster = OwnPostgresCluster.Start();
        await using var database = TestDatabase.OnOwnServer(DatabaseProvider.PostgreSQL, cluster.ConnectionString);
        var route = RouteFile.Load(TestServices.RoutePath);
        var log = new SaveLog();

        await using var app = await AppProcess.StartAsync(database);
        using var health = app.CreateClient();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(1, Writers).Select(w => Task.Run(() => StreamSavesAsync(app, route, w, log, stop.Token))).ToArray();
        try
        {
            await WaitForAsync(() => log.Acknowledged.Count >= 20, TimeSpan.FromSeconds(120), "20 acknowledged saves before the outage", app, writers);

            cluster.StopServer();
            log.OutageStarted = true;
            var healthDuringOutage = await PollHealthAsync(health, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
            await WaitForAsync(() => log.OutageAnswers.Any(a => a.Status == HttpStatusCode.ServiceUnavailable), TimeSpan.FromSeconds(60),
                "a save answered 503 during the outage", app, writers);
            await Task.Delay(TimeSpan.FromSeconds(3)); // keep saving into the outage a little longer

            cluster.StartServer();
            var restartedAt = log.Acknowledged.Count;
            log.OutageStarted = false;
            await WaitForAsync(() => log.Acknowledged.Count >= restartedAt + 10, TimeSpan.FromSeconds(90),
                "10 acknowledged saves after PostgreSQL came back", app, writers);
            var healthAfter = await PollHealthAsync(health, HttpStatusCode.OK, TimeSpan.FromSeconds(30));

            Assert.False(app.HasExited, "The app must ride out the outage in the same process.");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, healthDuringOutage.Status);
            Assert.Contains("database", healthDuringOutage.Body, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, healthAfter.Status);

            var outage503 = log.OutageAnswers.First(a => a.Status == HttpStatusCode.ServiceUnavailable);
            Assert.Equal("application/problem+json", outage503.ContentType);
            Assert.Contains(DatabaseFault.UnreachableTitle, outage503.Body, StringComparison.Ordinal);
            Assert.Contains("not reachable", outage503.Body, StringComparison.Ordinal);
            var serverErrors = log.OutageAnswers.Concat(log.OtherFailures).Where(a => (int)a.Status >= 500 && a.Status != HttpStatusCode.ServiceUnavailable).ToList();
            Assert.True(serverErrors.Count == 0, "Server errors other than 503: " + string.Join("\n", serverErrors.Select(a => $"{(int)a.Status} {a.Body}")));
            var stackTraces = log.OutageAnswers.Where(a => a.Body.Contains("   at ", StringComparison.Ordinal)).ToList();
            Assert.True(stackTraces.Count == 0, "A stack trace reached a client: " + stackTraces.FirstOrDefault()?.Body);
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(writers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        Assert.All(writers, w => Assert.False(w.IsFaulted, w.Exception?.GetBaseException().ToString()));

        await using var services = database.BuildServices();
        await using var db = await services.OpenAsync();
        foreach (var save in log.Acknowledged)
        {
            var record = await db.StageRecords.AsNoTracking().Include(s => s.Results)
                .SingleOrDefaultAsync(s => s.Pack.PackId == save.PackId && s.StageNumber == save.StageNumber);
            Assert.True(record is not null, $"The acknowledged save of stage {save.StageNumber} of {save.PackId} is missing after the outage.");
            Assert.Equal((save.Remarks, TestPeople.Rig.FullName), (record.Remarks, record.Technician));
            Assert.Equal(save.Checks, record.Results.Count(r => r.ModuleX == QcResult.Ok && r.ModuleY == QcResult.Ok));
        }
    }

    private sealed record Answer(HttpStatusCode Status, string? ContentType, string Body);

    private sealed record AcknowledgedSave(string PackId, int StageNumber, string Remarks, int Checks);

    private sealed class SaveLog
    {
        public ConcurrentQueue<AcknowledgedSave> Acknowledged { get; } = new();
        public ConcurrentQueue<Answer> OutageAnswers { get; } = new();
        public ConcurrentQueue<Answer> OtherFailures { get; } = new();
        public volatile bool OutageStarted;

        public async Task<bool> RecordAsync(HttpResponseMessage response)
        {
            if (response.IsSuccessStatusCode) return true;
            var answer = new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
            (OutageStarted ? OutageAnswers : OtherFailures).Enqueue(answer);
            return false;
        }
    }

    /// <summary>One client: registers a pack and saves stages 1 and 2 in full; on a failed answer it notes it, waits a
    /// moment (as a person would before pressing Save again) and goes on with the next pack.</summary>
    private static async Task StreamSavesAsync(AppProcess app, ProcessRoute route, int writer, SaveLog log, CancellationToken stop)
    {
        using var client = app.CreateClient();
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var packId = $"PGOUT-{writer}-{n:D4}";
            try
            {
                using (var created = await client.PostAsJsonAsync("/api/packs", new { packId }, stop))
                    if (!await log.RecordAsync(created)) { await Task.Delay(300, stop); continue; }
                foreach (var stage in route.Stages.Take(2))
                {
                    var remarks = $"T{writer}-{n}-{stage.Number}";
                    var body = new
                    {
                        remarks,
                        // OK needs an in-limit measured value where the check has limits.
                        results = stage.Checks.Select(c => new { checkCode = c.Code, moduleX = "OK", moduleY = "OK", measuredX = TestChecks.InLimits(c), measuredY = TestChecks.InLimits(c) }),
                    };
                    using var saved = await client.PutAsJsonAsync($"/api/packs/{packId}/stages/{stage.Number}", body, stop);
                    if (!await log.RecordAsync(saved)) { await Task.Delay(300, stop); break; }
                    log.Acknowledged.Enqueue(new AcknowledgedSave(packId, stage.Number, remarks, stage.Checks.Count));
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static async Task<Answer> PollHealthAsync(HttpClient client, HttpStatusCode wanted, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        Answer last;
        do
        {
            using var response = await client.GetAsync("/health");
            last = new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
            if (last.Status == wanted) return last;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        return last;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan within, string what, AppProcess app, Task[] writers)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition() && DateTime.UtcNow < deadline && writers.All(w => !w.IsCompleted)) await Task.Delay(50);
        Assert.True(condition(), $"Waited in vain for {what}.\n" +
            string.Join("\n", writers.Where(w => w.IsFaulted).Select(w => w.Exception!.GetBaseException().ToString())) + "\n" + app.Output[^Math.Min(app.Output.Length, 4000)..]);
    }
}
