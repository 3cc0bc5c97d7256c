using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Foundation;

[Collection(BrowserCollection.Name)]
public sealed class AppShellTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/entry", "Data Entry")]
    [InlineData("/dashboard", "Dashboard")]
    [InlineData("/reports", "Reports")]
    [InlineData("/qr", "QR Generator")]
    public async Task Each_section_opens_with_a_live_circuit_and_no_request_leaves_the_machine(string path, string heading)
    {
        var page = await browser.NewPageAsync();
        var external = new List<string>();
        var failed = new List<string>();
        page.Request += (_, r) => { if (!r.Url.StartsWith(_app.BaseUrl, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal)) external.Add(r.Url); };
        page.Response += (_, r) => { if (r.Status >= 400) failed.Add($"{r.Status} {r.Url}"); };

        await _app.SignInAsync(page, TestPeople.Rig, path);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
        Assert.Empty(external);
        Assert.Empty(failed);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_navigation_reaches_every_section_at_tablet_width()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Rig, "/");

        foreach (var (link, path) in new[] { ("Dashboard", "/dashboard"), ("Reports", "/reports"), ("QR Generator", "/qr"), ("Data Entry", "/entry") })
        {
            await page.GetByRole(AriaRole.Link, new() { Name = link, Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(_app.Url(path));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = link, Exact = true })).ToBeVisibleAsync();
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-shell-1024.png") });
        await page.Context.CloseAsync();
    }
}
