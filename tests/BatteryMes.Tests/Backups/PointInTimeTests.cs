using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>Restore to a point in time: the snapshot chosen for an hour, the saves a restore to it undoes (from the
/// audit log), and the data after restoring it. Snapshots are taken at known times with a clock the test moves.</summary>
public class PointInTimeTests
{
    private static readonly DateTime Morning = new(2026, 3, 2, 8, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Restoring_to_a_chosen_hour_uses_the_newest_verified_snapshot_before_it_counts_the_saves_undone_and_brings_that_data_back(DatabaseProvider provider)
    {
        var clock = new ManualClock(Morning);
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database, configure: s => s.AddSingleton<TimeProvider>(clock));
        var backups = services.GetRequiredService<BackupService>();
        var recorder = services.GetRequiredService<PackRecorder>();
        var pointInTime = services.GetRequiredService<PointInTime>();

        await services.CreatePacksAsync("PIT-1");
        clock.UtcNow = Morning.AddMinutes(10);
        var eight = (await backups.CreateAsync("saved")).Entry!;
        clock.UtcNow = Morning.AddHours(1).AddMinutes(5);
        await services.CreatePacksAsync("PIT-2");
        Assert.True((await recorder.SaveStageAsync(services.AllOk("PIT-1", 1), BackupRig.Technician("Nine o'clock"))).Succeeded);
        clock.UtcNow = Morning.AddHours(1).AddMinutes(10);
        var nine = (await backups.CreateAsync("saved")).Entry!;
        clock.UtcNow = Morning.AddHours(2).AddMinutes(5);
        await services.CreatePacksAsync("PIT-3");
        Assert.True((await recorder.SaveStageAsync(services.AllOk("PIT-2", 1), BackupRig.Technician("Ten o'clock"))).Succeeded);
        // The technician is whoever saves, but a save that changes no value is no save: this one changes the remarks.
        var tenOClock = await recorder.SaveStageAsync(services.AllOk("PIT-1", 1) with { Remarks = "Rechecked at ten" }, BackupRig.Technician("Ten o'clock"));
        Assert.True(tenOClock.Succeeded, tenOClock.Message);
        clock.UtcNow = Morning.AddHours(2).AddMinutes(10);
        var ten = (await backups.CreateAsync("saved")).Entry!;
        clock.UtcNow = Morning.AddHours(2).AddMinutes(30);
        await services.CreatePacksAsync("PIT-4");
        Assert.All(new[] { eight, nine, ten }, s => Assert.True(s.Verified, s.Problem));

        var choice = await pointInTime.ChooseAsync(Morning.AddHours(1).AddMinutes(30));

        Assert.Equal(nine.Name, choice.Snapshot!.Name);
        // After 09:10: PIT-3 created, two stage saves at 10:05 (each one save however many fields it changed), PIT-4 created.
        Assert.Equal(4, choice.Lost.Saves);
        Assert.Equal(4, choice.Lost.Packs);
        Assert.Equal(2, choice.Lost.ByAction["Create"]);
        Assert.Equal(2, choice.Lost.ByAction["Save"]);
        Assert.Equal(Morning.AddHours(2).AddMinutes(5), choice.Lost.FirstUtc);
        Assert.Equal(Morning.AddHours(2).AddMinutes(30), choice.Lost.LastUtc);
        Assert.Equal(eight.Name, (await pointInTime.ChooseAsync(Morning.AddHours(1).AddMinutes(9))).Snapshot!.Name);
        Assert.Equal(ten.Name, (await pointInTime.ChooseAsync(Morning.AddDays(1))).Snapshot!.Name);
        var tooEarly = await pointInTime.ChooseAsync(Morning);
        Assert.Null(tooEarly.Snapshot);
        Assert.Contains(eight.Name, tooEarly.Message);

        clock.UtcNow = Morning.AddHours(3);
        var restored = await services.GetRequiredService<DatabaseRestorer>().RestoreAsync(choice.Snapshot.Name, BackupRig.AdminLogin, BackupRig.AdminPasswordText, "test");

        Assert.True(restored.Succeeded, restored.Message);
        Assert.Equal(["PIT-1", "PIT-2"], await services.PackIdsAsync());
        Assert.Equal("Nine o'clock", (await recorder.GetStageAsync("PIT-1", 1))!.Technician);
        Assert.True(string.IsNullOrEmpty((await recorder.GetStageAsync("PIT-2", 1))?.Technician));
        // The undone saves are in the safety copy, and after the restore nothing recorded is newer than the snapshot.
        Assert.Equal(["PIT-1", "PIT-2", "PIT-3", "PIT-4"], await BackupRig.SnapshotPackIdsAsync(backups.Catalog.Find(restored.SafetySnapshot)!.FilePath));
        Assert.Equal(0, (await pointInTime.SavesAfterAsync(nine.CreatedUtc)).Saves);
    }

    [Fact]
    public async Task The_api_answers_the_snapshot_a_point_in_time_would_use_and_what_would_be_lost_and_explains_a_bad_time()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?> { ["BatteryMes:Backups:MinimumSecondsBetweenSnapshots"] = "0" });
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/packs", new { packId = "PIT-API-1" })).StatusCode);
        var manual = await (await client.PostAsJsonAsync("/api/backups", new { })).Content.ReadFromJsonAsync<JsonElement>();
        var manualName = manual.GetProperty("name").GetString()!;
        var manualAt = manual.GetProperty("createdUtc").GetDateTime();
        await Faults.BackupDiskFaultTests.WaitUntilIdleAsync(app);

        var atManual = await client.GetFromJsonAsync<JsonElement>($"/api/backups/point-in-time?at={Uri.EscapeDataString(manualAt.ToString("O"))}");
        Assert.Equal(manualName, atManual.GetProperty("snapshot").GetProperty("name").GetString());
        Assert.Equal(0, atManual.GetProperty("savesLost").GetInt32());

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/packs", new { packId = "PIT-API-2" })).StatusCode);
        var stillManual = await client.GetFromJsonAsync<JsonElement>($"/api/backups/point-in-time?at={Uri.EscapeDataString(manualAt.AddMilliseconds(1).ToString("O"))}");
        Assert.Equal(manualName, stillManual.GetProperty("snapshot").GetProperty("name").GetString());
        Assert.Equal(1, stillManual.GetProperty("savesLost").GetInt32());
        Assert.Equal(1, stillManual.GetProperty("lostByAction").GetProperty("Create").GetInt32());

        var before = await client.GetFromJsonAsync<JsonElement>("/api/backups/point-in-time?at=2001-01-01T00:00:00Z");
        Assert.Equal(JsonValueKind.Null, before.GetProperty("snapshot").ValueKind);
        Assert.Contains("no verified backup from that time", before.GetProperty("message").GetString());

        using var bad = await client.GetAsync("/api/backups/point-in-time?at=yesterday-ish");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("2026-11-25T14:00:00Z", await bad.Content.ReadAsStringAsync());
    }
}
