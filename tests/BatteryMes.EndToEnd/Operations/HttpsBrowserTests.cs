using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Operations;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Operations;

/// <summary>A tablet's view: the app reached by a LAN-style host name (not localhost, which browsers treat as secure even
/// over HTTP) with HTTPS on and a generated certificate, and Chromium trusting exactly that certificate. The name is mapped
/// to 127.0.0.1 inside Chromium (--host-resolver-rules), so no traffic leaves the loopback interface.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HttpsBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private MesAppFactory _app = null!;
    private string _http = "";
    private string _https = "";
    private const string PlantHost = "battery-mes.plant.test";
    private static readonly string MapToLoopback = $"--host-resolver-rules=MAP {PlantHost} 127.0.0.1";
    private IBrowser? _lanBrowser;

    /// <summary>A Chromium that resolves the plant host name to loopback (and trusts nothing extra).</summary>
    private async Task<IPage> LanPageAsync()
    {
        _lanBrowser ??= await browser.LaunchAsync(MapToLoopback);
        return await browser.NewPageAsync(width: 1024, height: 768, browser: _lanBrowser);
    }

    public async Task InitializeAsync()
    {
        _database = TestDatabase.Create(DatabaseProvider.Sqlite);
        _app = new MesAppFactory(_database, new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0;https://127.0.0.1:0",
            ["BatteryMes:Server:Https:Enabled"] = "true",
            ["BatteryMes:Server:Https:GeneratedCertificateFolder"] = Path.Combine(_database.Folder, "data", "https"),
            ["BatteryMes:Security:HostNames"] = PlantHost,
        });
        _app.UseKestrel();
        _app.StartServer();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        _http = addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("127.0.0.1", PlantHost, StringComparison.Ordinal);
        _https = addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)).Replace("127.0.0.1", PlantHost, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_lanBrowser is not null) await _lanBrowser.DisposeAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Over_HTTPS_with_the_generated_certificate_trusted_the_entry_page_is_a_secure_context_for_the_camera()
    {
        var certificate = _app.Services.GetRequiredService<HttpsCertificates>().Server;
        await using var trusting = await browser.LaunchAsync(MapToLoopback, $"--ignore-certificate-errors-spki-list={HttpsCertificates.SpkiSha256(certificate)}");
        var page = await browser.NewPageAsync(width: 1024, height: 768, browser: trusting);

        await AppServer.SignInAsync(_app.Services, _https, page, TestPeople.Rig, "/entry");

        Assert.True(await page.EvaluateAsync<bool>("window.isSecureContext"));
        Assert.StartsWith(_https, page.Url);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Data Entry", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Over_plain_HTTP_on_the_LAN_the_same_page_is_not_a_secure_context()
    {
        var page = await LanPageAsync();

        await AppServer.SignInAsync(_app.Services, _http, page, TestPeople.Rig, "/entry");

        Assert.False(await page.EvaluateAsync<bool>("window.isSecureContext"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_browser_that_does_not_trust_the_certificate_is_stopped_at_the_certificate_error()
    {
        var page = await LanPageAsync();

        var error = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"{_https}/entry"));

        Assert.Contains("ERR_CERT", error.Message);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_about_page_offers_the_certificate_for_download_at_tablet_width()
    {
        var page = await LanPageAsync();
        await AppServer.SignInAsync(_app.Services, _http, page, TestPeople.Rig, "/about");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download certificate (.crt)" }).ClickAsync());

        Assert.Equal("battery-mes-ca.crt", download.SuggestedFilename);
        var text = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", text);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-about-1024.png"), FullPage = true });
        await page.Context.CloseAsync();
    }
}
