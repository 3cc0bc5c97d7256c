using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Tests.Faults;

/// <summary>Kill -9 in the middle of a stream of saves, restart on the same database: the database is intact and
/// every save the app acknowledged is there. The app runs as its own process (the built BatteryMes.dll), saves go
/// through the JSON API from several clients at once, and the kill comes while requests are in flight.</summary>
public class CrashRecoveryTests
{
    private const int Writers = 4;
    private const int AcknowledgedSavesBeforeKill = 40;

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Killing_the_app_mid_stream_loses_no_acknowledged_save_and_leaves_the_database_intact(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var route = RouteFile.Load(TestServices.RoutePath);
        var acknowledged = new ConcurrentQueue<AcknowledgedSave>();
        var createdPacks = new ConcurrentQueue<string>();

        var app = await AppProcess.StartAsync(database);
        try
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(1, Writers)
                .Select(w => Task.Run(() => StreamSavesAsync(app, route, w, acknowledged, createdPacks, stop.Token)))
                .ToArray();

            var deadline = DateTime.UtcNow.AddSeconds(180);
            while (acknowledged.Count < AcknowledgedSavesBeforeKill && DateTime.UtcNow < deadline && writers.All(t => !t.IsCompleted))
                await Task.Delay(20);
            Assert.True(acknowledged.Count >= AcknowledgedSavesBeforeKill,
                $"Only {acknowledged.Count} saves were acknowledged before the kill.\n{Failures(writers)}\n{app.Output}");

            app.Kill();
            stop.Cancel();
            await Task.WhenAll(writers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await app.DisposeAsync();
        }

        if (provider == DatabaseProvider.Sqlite)
            Assert.Equal("ok", IntegrityCheck(database.ConnectionString));

        // The newest snapshot under its final name is whole: a snapshot is copied under a temporary name and renamed
        // only when complete, so the kill can leave at most a temporary file behind, never a torn snapshot.
        var snapshots = Directory.Exists(Path.Combine(database.Folder, "backups"))
            ? Directory.GetFiles(Path.Combine(database.Folder, "backups"), "battery_mes_*.db").OrderDescending(StringComparer.Ordinal).ToList()
            : [];
        if (provider == DatabaseProvider.Sqlite)
            Assert.True(snapshots.Count > 0, "No automatic snapshot was written before the kill.");
        if (snapshots.Count > 0)
        {
            Assert.Equal("ok", IntegrityCheck($"Data Source={snapshots[0]};Mode=ReadOnly"));
            Assert.True(CountPacks(snapshots[0]) > 0, $"The newest snapshot {Path.GetFileName(snapshots[0])} holds no pack.");
        }

        await using var restarted = await AppProcess.StartAsync(database);
        using (var client = restarted.CreateClient())
        {
            var health = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        await using var services = database.BuildServices();
        await using var db = await services.OpenAsync();
        var packIds = createdPacks.ToList();
        var storedPacks = await db.Packs.AsNoTracking().Where(p => packIds.Contains(p.PackId)).Select(p => p.PackId).ToListAsync();
        Assert.Empty(packIds.Except(storedPacks));

        foreach (var save in acknowledged)
        {
            var record = await db.StageRecords.AsNoTracking().Include(s => s.Results)
                .SingleOrDefaultAsync(s => s.Pack.PackId == save.PackId && s.StageNumber == save.StageNumber);
            Assert.True(record is not null, $"The acknowledged save of stage {save.StageNumber} of {save.PackId} is missing after the restart.");
            Assert.Equal((save.Remarks, TestPeople.Rig.FullName), (record.Remarks, record.Technician));
            foreach (var expected in save.Results)
            {
                var row = record.Results.SingleOrDefault(r => r.CheckCode == expected.CheckCode);
                Assert.True(row is not null, $"Check {expected.CheckCode} of stage {save.StageNumber} of {save.PackId} is missing after the restart.");
                Assert.Equal((QcResult.Ok, QcResult.Ok), (row.ModuleX, row.ModuleY));
                Assert.Equal(expected.MeasuredX, row.MeasuredX);
                Assert.Equal(expected.MeasuredY, row.MeasuredY);
            }
        }
    }

    private sealed record ExpectedResult(string CheckCode, double? MeasuredX, double? MeasuredY);

    private sealed record AcknowledgedSave(string PackId, int StageNumber, string Remarks, IReadOnlyList<ExpectedResult> Results);

    /// <summary>One client: registers a pack, saves stage 1 and stage 2 in full, next pack; records what the app
    /// acknowledged (2xx) and stops at the first failure (the kill).</summary>
    private static async Task StreamSavesAsync(AppProcess app, ProcessRoute route, int writer, ConcurrentQueue<AcknowledgedSave> acknowledged,
        ConcurrentQueue<string> createdPacks, CancellationToken stop)
    {
        using var client = app.CreateClient();
        var random = new Random(writer);
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var packId = $"CRASH-{writer}-{n:D4}";
            using (var created = await client.PostAsJsonAsync("/api/packs", new { packId, moduleXSerial = $"MX-{writer}-{n}", moduleYSerial = $"MY-{writer}-{n}" }, stop))
            {
                if (created.StatusCode != HttpStatusCode.Created)
                    throw new InvalidOperationException($"POST /api/packs answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync(stop)}");
                createdPacks.Enqueue(packId);
            }
            foreach (var stage in route.Stages.Take(2))
            {
                var remarks = $"save {n} of writer {writer}, stage {stage.Number}";
                var results = stage.Checks.Select(c => new ExpectedResult(c.Code, Measure(c, random), Measure(c, random))).ToList();
                var body = new
                {
                    remarks,
                    results = results.Select(r => new { checkCode = r.CheckCode, moduleX = "OK", moduleY = "OK", measuredX = r.MeasuredX, measuredY = r.MeasuredY }),
                };
                using var saved = await client.PutAsJsonAsync($"/api/packs/{packId}/stages/{stage.Number}", body, stop);
                if (!saved.IsSuccessStatusCode)
                    throw new InvalidOperationException($"PUT stage {stage.Number} answered {(int)saved.StatusCode}: {await saved.Content.ReadAsStringAsync(stop)}");
                acknowledged.Enqueue(new AcknowledgedSave(packId, stage.Number, remarks, results));
            }
        }
    }

    /// <summary>A value inside the check's limits (an OK result stays OK), null for checks that take no value.</summary>
    private static double? Measure(QcCheck check, Random random) => check.Limits switch
    {
        { Min: { } lo, Max: { } hi } => Math.Round(lo + (hi - lo) * (0.25 + random.NextDouble() / 2), 3),
        { Min: { } lo } => Math.Round(lo + 1 + random.NextDouble(), 3),
        { Max: { } hi } => Math.Round(hi - 0.01 - random.NextDouble() * 0.001, 4),
        _ => null,
    };

    private static string Failures(IEnumerable<Task> writers) =>
        string.Join("\n", writers.Where(t => t.IsFaulted).Select(t => t.Exception!.GetBaseException().Message));

    private static long CountPacks(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM Packs";
        return (long)cmd.ExecuteScalar()!;
    }

    private static string? IntegrityCheck(string connectionString)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        return cmd.ExecuteScalar() as string;
    }
}
