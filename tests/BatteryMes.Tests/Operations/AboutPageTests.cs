using System.Net;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
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
        File.WriteAllText(Path.Combine(backups, "battery_mes_20261124T060000Z_daily.db"), "older");
        File.WriteAllText(Path.Combine(backups, "battery_mes_20261125T101500Z_save.db"), "newest");
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
        Assert.Contains("none yet in", html);
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
}

public class BackupFolderReadingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));

    public BackupFolderReadingTests() => Directory.CreateDirectory(_folder);
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_newest_backup_is_found_by_the_time_in_its_name_with_its_trigger()
    {
        File.WriteAllText(Path.Combine(_folder, "battery_mes_20261125T101500Z_save.db"), "x");
        File.WriteAllText(Path.Combine(_folder, "battery_mes_20261125T091500Z_pre-migration.db"), "x");
        File.SetLastWriteTimeUtc(Path.Combine(_folder, "battery_mes_20261125T091500Z_pre-migration.db"), new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var newest = OperationsStatus.NewestBackup(_folder)!;

        Assert.Equal("battery_mes_20261125T101500Z_save.db", newest.FileName);
        Assert.Equal(new DateTime(2026, 11, 25, 10, 15, 0, DateTimeKind.Utc), newest.TakenUtc);
        Assert.Equal("save", newest.Trigger);
    }

    [Fact]
    public void Odd_names_and_journal_files_do_not_break_the_reading()
    {
        var renamed = Path.Combine(_folder, "battery_mes_copy from usb.db");
        File.WriteAllText(renamed, "x");
        File.SetLastWriteTimeUtc(renamed, new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc));
        File.WriteAllText(Path.Combine(_folder, "battery_mes_20261125T101500Z_save.db-wal"), "x");
        File.WriteAllText(Path.Combine(_folder, "readme.txt"), "x");

        var newest = OperationsStatus.NewestBackup(_folder)!;

        Assert.Equal("battery_mes_copy from usb.db", newest.FileName);
        Assert.Equal(new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc), newest.TakenUtc);
        Assert.Equal("", newest.Trigger);
    }

    [Fact]
    public void A_missing_backup_folder_means_no_backup_yet()
    {
        Assert.Null(OperationsStatus.NewestBackup(Path.Combine(_folder, "not-there")));
    }
}
