using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Backups;

[Collection(BrowserCollection.Name)]
public sealed class BackupPanelTests(BrowserFixture browser) : IAsyncLifetime
{
    /// <summary>The restore is signed with the signed-in admin's own password.</summary>
    private static readonly string Password = TestPeople.Rig.Password!;
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<IPage> OpenBackupsTabAsync(int width = 1280)
    {
        var page = await browser.NewPageAsync(width: width);
        await _app.SignInAsync(page, TestPeople.Rig, "/reports");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Backups" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Backup history" })).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task Create_Backup_Now_shows_the_result_and_the_new_backup_in_the_history()
    {
        var page = await OpenBackupsTabAsync(width: 1024);
        await Expect(page.GetByText("No backups yet")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Create Backup Now" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "created and verified" })).ToBeVisibleAsync();
        var name = _app.Services.GetRequiredService<BackupCatalog>().List().Single().Name;
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = name });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByText("Verified", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(row.GetByText("manual (kept)")).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Download" })).ToHaveAttributeAsync("href", $"api/backups/{name}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-backups-1024.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_restore_with_the_admin_password_brings_the_backup_back_and_every_open_page_offers_a_reload()
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        await recorder.CreatePackAsync("BP-E2E-OLD", null, null, Actor.System);
        var backups = _app.Services.GetRequiredService<BackupService>();
        var before = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        await recorder.CreatePackAsync("BP-E2E-NEW", null, null, Actor.System);
        // A wall screen: the Dashboard without sign-in.
        var bystander = await browser.NewPageAsync();
        await bystander.GotoInteractiveAsync(_app.Url("/dashboard"));
        var page = await OpenBackupsTabAsync();

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = before.Name });
        await row.GetByRole(AriaRole.Button, new() { Name = "Restore" }).ClickAsync();
        await page.GetByLabel("Your password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore this backup" }).ClickAsync();
        await Expect(page.GetByText("Wrong PIN or password")).ToBeVisibleAsync();
        Assert.NotNull(await recorder.GetStageAsync("BP-E2E-NEW", 1));

        await page.GetByLabel("Your password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore this backup" }).ClickAsync();

        await Expect(page.GetByText($"Restored {before.Name}")).ToBeVisibleAsync();
        Assert.Null(await recorder.GetStageAsync("BP-E2E-NEW", 1));
        await Expect(bystander.GetByText("The database was restored from a backup")).ToBeVisibleAsync();
        await bystander.GetByRole(AriaRole.Button, new() { Name = "Reload" }).ClickAsync();
        await Expect(bystander.GetByText("The database was restored from a backup")).ToBeHiddenAsync();
        await bystander.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_typed_date_and_time_find_the_backup_from_before_then_show_the_saves_it_undoes_and_restore_it()
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        var backups = _app.Services.GetRequiredService<BackupService>();
        var clock = _app.Services.GetRequiredService<BatteryMes.Web.Configuration.PlantClock>();
        await recorder.CreatePackAsync("BP-PIT-OLD", null, null, Actor.System);
        var early = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        // The catalog reads a backup's time from its record: this one now stands for three hours ago.
        var threeHoursAgo = DateTime.UtcNow.AddHours(-3);
        BackupCatalog.WriteSidecar(early.FilePath, new BackupSidecar(threeHoursAgo, early.Trigger, true, null, new(early.RowCounts), early.Schema,
            early.SourceProvider, 0, Check: early.Check));
        await recorder.CreatePackAsync("BP-PIT-NEW", null, null, Actor.System);
        var page = await OpenBackupsTabAsync(width: 768);
        await Expect(page.Locator("[data-field=coverage]")).ToContainTextAsync("every save of the last 2 hours");

        var pick = clock.ToLocal(DateTime.UtcNow.AddHours(-2));
        await page.GetByLabel("Date").FillAsync(pick.ToString("yyyy-MM-dd"));
        await page.GetByLabel("Date").PressAsync("Tab");
        await page.GetByLabel("Time").FillAsync(pick.ToString("HH:mm"));
        await page.GetByLabel("Time").PressAsync("Tab");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the backup" }).ClickAsync();

        var found = page.Locator("[data-field=point-in-time]");
        await Expect(found).ToContainTextAsync(early.Name);
        // Both new packs were recorded after the time the backup stands for.
        await Expect(found).ToContainTextAsync("undoes 2 save(s) on 2 pack(s)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-backups-point-in-time-768.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore to this point" }).ClickAsync();
        await Expect(page.Locator("[data-field=restore-loss]")).ToContainTextAsync("undoes 2 save(s)");
        await page.GetByLabel("Your password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore this backup" }).ClickAsync();

        await Expect(page.GetByText($"Restored {early.Name}")).ToBeVisibleAsync();
        Assert.NotNull(await recorder.GetStageAsync("BP-PIT-OLD", 1));
        Assert.Null(await recorder.GetStageAsync("BP-PIT-NEW", 1));
        await page.Context.CloseAsync();
    }
}
