using System.Net;
using System.Net.Http.Headers;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Features.Identity;
using BatteryMes.Web.Features.QrCodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static BatteryMes.EndToEnd.Infrastructure.StagePage;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Identity;

/// <summary>The People page: an admin adds a person, prints their badge, and gives a test rig an API key and takes it back.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PeopleAdminTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static ILocator PersonRow(IPage page, string login) =>
        page.GetByRole(AriaRole.Region, new() { Name = "People", Exact = true }).GetByRole(AriaRole.Row)
            .Filter(new() { Has = page.GetByRole(AriaRole.Cell, new() { Name = login, Exact = true }) });

    [Fact]
    public async Task An_admin_adds_a_person_whose_printed_badge_holds_their_login_and_who_then_signs_in_with_it()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Admin, "/admin/users");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("admin-users-1024.png"), FullPage = true });
        var add = page.GetByRole(AriaRole.Region, new() { Name = "Add a person" });

        await add.GetByLabel("Login").FillAsync("quinn");
        await add.GetByLabel("Full name").FillAsync("Quinn Quality");
        await add.GetByLabel("PIN").FillAsync("12");
        await add.GetByRole(AriaRole.Checkbox, new() { Name = "QC inspector" }).CheckAsync();
        await Button(page, "Add person").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("A PIN is 4 to 8 digits.");
        Assert.Null(await _app.Services.GetRequiredService<PeopleDirectory>().FindAsync("quinn"));

        await add.GetByLabel("PIN").FillAsync("5678");
        await Button(page, "Add person").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Quinn Quality (quinn) added.");
        var row = PersonRow(page, "quinn");
        await Expect(row).ToContainTextAsync("Quinn Quality");
        await Expect(row).ToContainTextAsync("Operator, QC inspector");
        await Expect(row).ToContainTextAsync("active");

        await row.GetByRole(AriaRole.Button, new() { Name = "Print badge of quinn" }).ClickAsync();
        var badge = page.GetByRole(AriaRole.Img, new() { Name = "Badge QR code of quinn" });
        await Expect(badge).ToBeVisibleAsync();
        var source = await badge.GetAttributeAsync("src");
        Assert.StartsWith("data:image/png;base64,", source);
        var decoded = _app.Services.GetRequiredService<QrDecoder>().Decode(Convert.FromBase64String(source!["data:image/png;base64,".Length..]));
        Assert.Equal("BMES-BADGE:quinn", decoded.Text);

        // The badge works at a station: its text in the sign-in field, then the PIN typed at once, without waiting.
        var station = await browser.NewPageAsync();
        await station.GotoInteractiveAsync(_app.Url("/signin?returnUrl=%2Fentry"));
        await SignInPageTests.ScanBadgeAsync(station.GetByLabel("Login or badge"), "quinn");
        await station.Keyboard.TypeAsync("5678");
        await station.Keyboard.PressAsync("Enter");
        await Expect(station).ToHaveURLAsync(_app.Url("/entry"));
        await Expect(station.GetByLabel("Signed in as")).ToContainTextAsync("Quinn Quality");
        await station.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_api_key_is_shown_once_works_against_the_api_and_stops_working_when_revoked()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Admin, "/admin/users");
        var keys = page.GetByRole(AriaRole.Region, new() { Name = "API keys" });

        await keys.GetByLabel("Person").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Ivan Inspector (ivan)" }).ClickAsync();
        await keys.GetByLabel("Key name (what uses it)").FillAsync("EOL tester 3");
        await Button(page, "Create API key").ClickAsync();

        var shown = page.GetByLabel("New API key");
        await Expect(shown).ToBeVisibleAsync();
        var key = (await shown.InnerTextAsync()).Trim();
        Assert.StartsWith("bmes_", key);
        using var rig = new HttpClient { BaseAddress = new Uri(_app.BaseUrl) };
        rig.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await rig.GetAsync("/api/route")).StatusCode);

        // Shown once: after a reload the page lists the key by its first characters only.
        await page.ReloadAsync();
        await page.WaitForBlazorAsync();
        await Expect(page.GetByLabel("New API key")).ToHaveCountAsync(0);
        var row = keys.GetByRole(AriaRole.Row).Filter(new() { HasText = "EOL tester 3" });
        await Expect(row).ToContainTextAsync(key[..12]);
        await Expect(row).Not.ToContainTextAsync(key);

        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke key EOL tester 3" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("API key 'EOL tester 3' revoked.");
        await Expect(row).ToContainTextAsync("revoked");
        using var refused = await rig.GetAsync("/api/route");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("was revoked", await refused.Content.ReadAsStringAsync());
        await page.Context.CloseAsync();
    }
}
