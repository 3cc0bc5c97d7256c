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
        (_app, _http, _https) = StartOnTheLan(_database, redirectHttpToHttps: false);
        await Task.CompletedTask;
    }

    /// <summary>The app on Kestrel with HTTPS on and its generated certificate; its HTTP and HTTPS addresses under the plant host name.</summary>
    private static (MesAppFactory App, string Http, string Https) StartOnTheLan(TestDatabase database, bool redirectHttpToHttps)
    {
        var app = new MesAppFactory(database, new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0;https://127.0.0.1:0",
            ["BatteryMes:Server:Https:Enabled"] = "true",
            ["BatteryMes:Server:Https:RedirectHttpToHttps"] = redirectHttpToHttps ? "true" : "false",
            ["BatteryMes:Server:Https:GeneratedCertificateFolder"] = Path.Combine(database.Folder, "data", "https"),
            ["BatteryMes:Security:HostNames"] = PlantHost,
        });
        app.UseKestrel();
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        string OnPlantHost(string scheme) => addresses.Single(a => a.StartsWith(scheme, StringComparison.Ordinal)).Replace("127.0.0.1", PlantHost, StringComparison.Ordinal);
        return (app, OnPlantHost("http://"), OnPlantHost("https://"));
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

    [Fact]
    public async Task A_new_tablet_opens_the_trust_page_over_plain_HTTP_without_signing_in_even_when_HTTP_is_redirected()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var (redirecting, http, _) = StartOnTheLan(database, redirectHttpToHttps: true);
        await using var app = redirecting;
        var page = await LanPageAsync();

        await page.GotoAsync($"{http}/trust");

        Assert.StartsWith($"{http}/trust", page.Url);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Trust this server", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "PIN or password" })).ToHaveCountAsync(0);
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download certificate (.crt)" }).ClickAsync());
        Assert.Equal("battery-mes-ca.crt", download.SuggestedFilename);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync((await download.PathAsync())!));

        // Anything else over HTTP goes to HTTPS, where this device does not trust the certificate yet.
        var error = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"{http}/signin"));
        Assert.Contains("ERR_CERT", error.Message);
        await page.Context.CloseAsync();
    }
}
