using System.Net;
using System.Net.Sockets;
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

/// <summary>A tablet's view: the app on this machine's LAN address (not loopback, which browsers treat as secure even over
/// HTTP) with HTTPS on and a generated certificate, and Chromium trusting exactly that certificate.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HttpsBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private MesAppFactory _app = null!;
    private string _http = "";
    private string _https = "";

    public async Task InitializeAsync()
    {
        var lan = HttpsCertificates.HostAddresses().FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException("This machine has no non-loopback IPv4 address; the secure-context test needs one.");
        _database = TestDatabase.Create(DatabaseProvider.Sqlite);
        _app = new MesAppFactory(_database, new Dictionary<string, string?>
        {
            ["urls"] = $"http://{lan}:0;https://{lan}:0",
            ["BatteryMes:Server:Https:Enabled"] = "true",
            ["BatteryMes:Server:Https:GeneratedCertificateFolder"] = Path.Combine(_database.Folder, "data", "https"),
        });
        _app.UseKestrel();
        _app.StartServer();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        _http = addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal));
        _https = addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal));
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Over_HTTPS_with_the_generated_certificate_trusted_the_entry_page_is_a_secure_context_for_the_camera()
    {
        var certificate = _app.Services.GetRequiredService<HttpsCertificates>().Server;
        await using var trusting = await browser.LaunchAsync($"--ignore-certificate-errors-spki-list={HttpsCertificates.SpkiSha256(certificate)}");
        var page = await browser.NewPageAsync(width: 1024, height: 768, browser: trusting);

        await page.GotoInteractiveAsync($"{_https}/entry");

        Assert.True(await page.EvaluateAsync<bool>("window.isSecureContext"));
        Assert.StartsWith(_https, page.Url);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Data Entry", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Over_plain_HTTP_on_the_LAN_the_same_page_is_not_a_secure_context()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);

        await page.GotoInteractiveAsync($"{_http}/entry");

        Assert.False(await page.EvaluateAsync<bool>("window.isSecureContext"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_browser_that_does_not_trust_the_certificate_is_stopped_at_the_certificate_error()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);

        var error = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"{_https}/entry"));

        Assert.Contains("ERR_CERT", error.Message);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_about_page_offers_the_certificate_for_download_at_tablet_width()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await page.GotoInteractiveAsync($"{_http}/about");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download certificate (.crt)" }).ClickAsync());

        Assert.Equal("battery-mes-ca.crt", download.SuggestedFilename);
        var text = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", text);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-about-1024.png"), FullPage = true });
        await page.Context.CloseAsync();
    }
}
