using System.Net;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.Operations;

namespace BatteryMes.Tests.Operations;

public class AboutPageTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_about_page_shows_version_database_size_last_backup_uptime_route_and_device_address(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var backups = Path.Combine(database.Folder, "backups");
        Directory.CreateDirectory(backups);
        WriteSnapshot(backups, "battery_mes_20261124T060000Z_daily.db", verified: true);
        WriteSnapshot(backups, "battery_mes_20261125T101500Z_save.db", verified: true);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?>
        {
            ["BatteryMes:Server:PublicBaseUrl"] = "https://mes.plant.local:8543",
            ["BatteryMes:Server:TimeZone"] = "UTC",
        });
        using var client = app.CreateClient();

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/about"));

        Assert.Contains("About and status", html);
        Assert.Contains(OperationsStatus.Version, html);
        Assert.Contains(provider.ToString(), html);
        Assert.Matches(@"data-field=""database-size"">\d+(\.\d)? (KB|MB|bytes)", html);
        Assert.Contains("2026-11-25 10:15 (save, battery_mes_20261125T101500Z_save.db", html);
        Assert.Matches(@"data-field=""uptime"">\d+ (min|h|d)", html);
        Assert.Contains("Pack 7.4 kWh", html);
        Assert.Contains("data-field=\"https\">Off", html);
        Assert.Contains("https://mes.plant.local:8543", html);
        Assert.Contains("HTTPS is switched off", html);
    }

    [Fact]
    public async Task Without_a_public_address_the_page_suggests_one_and_says_which_setting_fixes_it()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        var html = await client.GetStringAsync("/about");

        Assert.Contains("set BatteryMes:Server:PublicBaseUrl", html);
        Assert.Contains("none verified yet in", html);
    }

    [Fact]
    public async Task The_certificate_download_says_HTTPS_is_off_when_it_is()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        using var response = await client.GetAsync(OperationsFeature.CertificatePath);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("BatteryMes:Server:Https:Enabled", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_app_writes_rolling_log_files_under_the_logs_folder()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using (var app = new MesAppFactory(database))
        {
            using var client = app.CreateClient();
            await client.GetStringAsync("/health");
        }

        var files = Directory.GetFiles(Path.Combine(database.Folder, "logs"), "battery-mes-*.log");
        var file = Assert.Single(files);
        var text = File.ReadAllText(file);
        Assert.Contains("[INF]", text);
        Assert.Contains("Battery MES", text);
        // Logging:LogLevel applies to the files too: no debug chatter.
        Assert.DoesNotContain("[DBG]", text);
    }

    [Fact]
    public async Task The_about_page_and_the_backup_status_name_the_newest_verified_snapshot_and_its_age_never_a_record_file_or_an_unverified_copy()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var backups = Path.Combine(database.Folder, "backups");
        Directory.CreateDirectory(Path.Combine(backups, "manual"));
        var now = DateTime.UtcNow;
        var verifiedName = $"battery_mes_{now.AddMinutes(-30):yyyyMMdd'T'HHmmssfff'Z'}_saved.db";
        WriteSnapshot(backups, verifiedName, verified: true, now.AddMinutes(-30));
        // Newer, but failed its check; newer still, a record file whose snapshot is gone; and a copy still being checked.
        WriteSnapshot(backups, $"battery_mes_{now.AddMinutes(-20):yyyyMMdd'T'HHmmssfff'Z'}_saved.db", verified: false, now.AddMinutes(-20));
        File.WriteAllText(Path.Combine(backups, $"battery_mes_{now.AddMinutes(-10):yyyyMMdd'T'HHmmssfff'Z'}_saved.db.json"), "{}");
        WriteSnapshot(backups, $"battery_mes_{now.AddMinutes(-5):yyyyMMdd'T'HHmmssfff'Z'}_saved.db", verified: false, now.AddMinutes(-5), verifying: true);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?> { ["BatteryMes:Server:TimeZone"] = "UTC" });
        using var client = app.CreateClient();

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/about"));
        var status = await client.GetFromJsonAsync<JsonElement>("/api/backups/status");

        Assert.Matches($@"data-field=""last-backup"">\s*{now.AddMinutes(-30):yyyy-MM-dd HH:mm} \(saved, {verifiedName}, [^)]+\), verified, (29|30|31) min \d+ s ago", html);
        var newest = status.GetProperty("newestVerified");
        Assert.Equal(verifiedName, newest.GetProperty("name").GetString());
        Assert.InRange(newest.GetProperty("ageSeconds").GetDouble(), 29 * 60, 32 * 60);
    }

    /// <summary>A file the backup history lists, with the record the app writes next to a checked snapshot.</summary>
    internal static void WriteSnapshot(string folder, string name, bool verified, DateTime? createdUtc = null, bool verifying = false)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, "snapshot bytes");
        BackupCatalog.TryParseName(name, out var stamp, out var trigger);
        BackupCatalog.WriteSidecar(path, new BackupSidecar(createdUtc ?? stamp, trigger, verified, verified ? null : "Integrity check failed",
            new Dictionary<string, long> { ["Packs"] = 1 }, null, "Sqlite", 1, Verifying: verifying));
    }
}
