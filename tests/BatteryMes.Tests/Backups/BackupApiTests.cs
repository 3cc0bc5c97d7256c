using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

public class BackupApiTests
{
    private static Dictionary<string, string?> Settings() => new()
    {
        ["BatteryMes:Backups:PostgresSnapshotIntervalMinutes"] = "0",
    };

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Post_makes_a_manual_backup_that_the_history_lists_newest_first_and_that_downloads(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database, Settings());
        using var client = app.CreateClient();
        await app.Services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-API-1", null, null, Actor.System);

        using var first = await client.PostAsJsonAsync("/api/backups", new { });
        using var second = await client.PostAsJsonAsync("/api/backups", new { });

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var made = await second.Content.ReadFromJsonAsync<JsonElement>();
        var history = await client.GetFromJsonAsync<JsonElement[]>("/api/backups");
        var manual = history!.Where(h => h.GetProperty("trigger").GetString() == "manual").ToList();
        Assert.Equal(2, manual.Count);
        Assert.Equal(made.GetProperty("name").GetString(), manual[0].GetProperty("name").GetString());
        Assert.True(manual[0].GetProperty("createdUtc").GetDateTime() > manual[1].GetProperty("createdUtc").GetDateTime());
        Assert.True(manual[0].GetProperty("verified").GetBoolean());
        Assert.True(manual[0].GetProperty("sizeBytes").GetInt64() > 0);

        var download = await client.GetByteArrayAsync($"/api/backups/{manual[0].GetProperty("name").GetString()}");
        Assert.Equal(manual[0].GetProperty("sizeBytes").GetInt64(), download.Length);
        Assert.StartsWith("SQLite format 3", System.Text.Encoding.ASCII.GetString(download, 0, 15));

        var status = await client.GetFromJsonAsync<JsonElement>("/api/backups/status");
        Assert.True(status.GetProperty("liveDatabaseBytes").GetInt64() > 0);
        Assert.True(status.GetProperty("freeBytes").GetInt64() > 0);
        // Restore has no on/off switch any more: every restore is signed with the admin's own password, so the status
        // no longer reports one.
        Assert.False(status.TryGetProperty("restoreEnabled", out _));
    }

    [Theory]
    [InlineData("battery_mes.db")]
    [InlineData("..%2Fbattery_mes.db")]
    [InlineData("../battery_mes.db")]
    [InlineData("manual/..%2F..%2Fbattery_mes.db")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("battery_mes_20260101T000000000Z_manual.db")]
    public async Task Download_of_any_name_that_is_not_a_listed_backup_is_404(string name)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, Settings());
        using var client = app.CreateClient();
        using var made = await client.PostAsJsonAsync("/api/backups", new { });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);

        using var response = await client.GetAsync("/api/backups/" + name);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Restore_over_http_needs_the_admin_password_header()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, Settings());
        using var client = app.CreateClient();
        var recorder = app.Services.GetRequiredService<PackRecorder>();
        using var made = await client.PostAsJsonAsync("/api/backups", new { });
        var name = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString();
        await recorder.CreatePackAsync("BP-HTTP-1", null, null, Actor.System);

        using var without = await client.PostAsJsonAsync($"/api/backups/{name}/restore", new { });
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Equal("Signature refused", (await without.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.NotNull(await recorder.GetStageAsync("BP-HTTP-1", 1));

        using var with = await client.PostAsJsonAsync($"/api/backups/{name}/restore", new { password = TestPeople.Rig.Password });
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Null(await recorder.GetStageAsync("BP-HTTP-1", 1));
    }

    [Fact]
    public async Task A_manual_backup_into_a_folder_that_cannot_be_written_answers_with_the_reason()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var blocker = Path.Combine(database.Folder, "a-file");
        await File.WriteAllTextAsync(blocker, "");
        var settings = Settings();
        settings["BatteryMes:Folders:Backups"] = Path.Combine(blocker, "backups");
        await using var app = new MesAppFactory(database, settings);
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/backups", new { });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("could not be written", await response.Content.ReadAsStringAsync());
        Assert.True((await app.Services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-STILL-OK", null, null, Actor.System)).Succeeded);
    }

    [Theory]
    [InlineData("BatteryMes__Backups__Keep", "0", "BatteryMes:Backups:Keep")]
    [InlineData("BatteryMes__Backups__PostgresSnapshotIntervalMinutes", "-5", "BatteryMes:Backups:PostgresSnapshotIntervalMinutes")]
    [InlineData("BatteryMes__Backups__WeeklyWeeks", "5000", "BatteryMes:Backups:WeeklyWeeks must be between 0 and 1040 weeks")]
    [InlineData("BatteryMes__Backups__ManualKeep", "0", "BatteryMes:Backups:ManualKeep")]
    // (The configured admin password hash and its hash-password command are gone: restore is signed with the admin's own password.)
    [InlineData("BatteryMes__Backups__MinimumFreeMegabytes", "-1", "BatteryMes:Backups:MinimumFreeMegabytes must be between 0 and 100000000")]
    public async Task A_wrong_backup_setting_stops_start_up_with_a_message_that_names_it(string variable, string value, string expected)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);

        var (exitCode, _, stderr) = await BackupRig.RunAppAsync(database, [], environment: new Dictionary<string, string> { [variable] = value });

        Assert.Equal(1, exitCode);
        Assert.Contains("Battery MES cannot start", stderr);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public async Task The_app_takes_its_pre_migration_snapshot_through_the_backup_feature()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        await using var app = new MesAppFactory(database, Settings());
        using var client = app.CreateClient();
        await app.Services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-PRE-1", null, null, Actor.System);
        var backup = app.Services.GetRequiredService<IPreMigrationBackup>();

        var path = await backup.BackupBeforeMigrationAsync("20261125150636_AuditLogPlanAndLabels", CancellationToken.None);

        Assert.IsType<PreMigrationSnapshot>(backup);
        Assert.NotNull(path);
        Assert.EndsWith("_pre-migration.db", path);
        Assert.Equal(["BP-PRE-1"], await BackupRig.SnapshotPackIdsAsync(path));
    }
}
