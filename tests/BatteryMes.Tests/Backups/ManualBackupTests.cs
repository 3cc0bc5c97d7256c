using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>Manual backups: a quota, one at a time, and no way to use up the automatic snapshots' disk.</summary>
public class ManualBackupTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Beyond_the_manual_quota_the_oldest_manual_backup_goes_first_and_safety_copies_stay(DatabaseProvider provider)
    {
        var clock = new ManualClock(new DateTime(2026, 4, 1, 6, 0, 0, DateTimeKind.Utc));
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:ManualKeep"] = "3" },
            s => s.AddSingleton<TimeProvider>(clock));
        await services.CreatePacksAsync("BP-QUOTA-1");
        var backups = services.GetRequiredService<BackupService>();
        var safety = (await backups.CreateAsync(BackupTrigger.BeforeRestore)).Entry!;
        var manual = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            clock.UtcNow = clock.UtcNow.AddMinutes(1);
            var made = await backups.CreateManualAsync();
            Assert.True(made.Succeeded, made.Message);
            manual.Add(made.Entry!.Name);
        }

        var kept = backups.Catalog.List().Where(e => e.KeptApart).Select(e => e.Name).ToList();

        Assert.Equal([.. manual.TakeLast(3).Reverse(), safety.Name], kept);
        Assert.False(File.Exists(Path.Combine(backups.Catalog.ManualFolder, manual[0])));
        Assert.False(File.Exists(Path.Combine(backups.Catalog.ManualFolder, manual[0] + ".json")));
    }

    [Fact]
    public async Task A_second_manual_backup_while_one_runs_is_refused_with_409_and_says_a_backup_is_already_running()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();
        await Faults.BackupDiskFaultTests.WaitUntilIdleAsync(app);
        var backups = app.Services.GetRequiredService<BackupService>();

        // Holding the snapshot lock keeps the first manual backup running for as long as the test needs.
        await backups.Gate.WaitAsync();
        Task<HttpResponseMessage> first;
        HttpResponseMessage second;
        try
        {
            first = client.PostAsJsonAsync("/api/backups", new { });
            await BackupRig.EventuallyAsync(() => Task.FromResult(backups.ManualRunning), "the first manual backup to start");
            second = await client.PostAsJsonAsync("/api/backups", new { });
        }
        finally
        {
            backups.Gate.Release();
        }

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("A backup is already running", problem.GetProperty("title").GetString());
        Assert.Contains("A backup is already running", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Created, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/backups", new { })).StatusCode);
        Assert.Equal(2, backups.Catalog.List().Count(e => e.Trigger == BackupTrigger.Manual));
    }

    [Fact]
    public async Task The_status_shows_what_the_kept_snapshots_cover_the_disk_the_plan_needs_and_the_newest_verified_snapshot()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        await services.CreatePacksAsync("BP-PLAN-1");
        var backups = services.GetRequiredService<BackupService>();
        Assert.True((await backups.CreateAsync("saved")).Succeeded);

        var storage = await backups.GetStorageAsync();

        // Everything kept is younger than the recent window, so the hourly, daily and weekly slots reach no further.
        Assert.Equal("every save of the last 2 hours", storage.Coverage);
        Assert.Equal(30 + 48 + 28 + 22 + 1 + 20, storage.PlanSnapshots);
        Assert.Equal(storage.LiveDatabaseBytes * storage.PlanSnapshots, storage.PlanBytes);
        Assert.Null(storage.PlanWarning);
        Assert.Equal(backups.Catalog.List().First().Name, storage.NewestVerified!.Name);
    }
}
