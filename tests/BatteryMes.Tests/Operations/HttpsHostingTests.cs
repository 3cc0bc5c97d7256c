using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Operations;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Operations;

/// <summary>The app on real Kestrel with HTTPS switched on and no certificate file: it makes its own.</summary>
public sealed class HttpsHostingTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private MesAppFactory _app = null!;
    private string _http = "";
    private string _https = "";

    public async Task InitializeAsync()
    {
        _database = TestDatabase.Create(DatabaseProvider.Sqlite);
        _app = new MesAppFactory(_database, new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0;https://127.0.0.1:0",
            ["BatteryMes:Server:Https:Enabled"] = "true",
            ["BatteryMes:Server:Https:RedirectHttpToHttps"] = "true",
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

    /// <summary>A client that trusts <paramref name="trusted"/>; with <paramref name="person"/>, signed in through their API key.</summary>
    private HttpClient Client(X509Certificate2? trusted = null, bool followRedirects = false, TestPerson? person = null)
    {
        var client = Handler(trusted, followRedirects);
        if (person is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _app.ApiKey(person));
        return client;
    }

    private static HttpClient Handler(X509Certificate2? trusted, bool followRedirects) => new(new HttpClientHandler
    {
        AllowAutoRedirect = followRedirects,
        ServerCertificateCustomValidationCallback = trusted is null ? null : (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(trusted);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(certificate);
        },
    }) { Timeout = TimeSpan.FromSeconds(60) };

    private async Task<X509Certificate2> DownloadCertificateAsync(string query = "")
    {
        using var client = Client();
        using var response = await client.GetAsync($"{_http}{OperationsFeature.CertificatePath}{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-x509-ca-cert", response.Content.Headers.ContentType?.MediaType);
        return X509CertificateLoader.LoadCertificate(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_device_that_installs_the_downloaded_certificate_reaches_the_app_over_HTTPS()
    {
        var authority = await DownloadCertificateAsync();

        using var client = Client(trusted: authority);
        using var response = await client.GetAsync($"{_https}/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_certificate_comes_as_PEM_for_tablets_and_as_DER_for_Windows()
    {
        using var client = Client();
        var pem = await client.GetStringAsync($"{_http}{OperationsFeature.CertificatePath}");
        var der = await DownloadCertificateAsync("?format=der");

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem);
        Assert.Equal(X509Certificate2.CreateFromPem(pem).Thumbprint, der.Thumbprint);
        Assert.Equal(_app.Services.GetRequiredService<HttpsCertificates>().Trust.Thumbprint, der.Thumbprint);
    }

    [Fact]
    public async Task A_device_without_the_certificate_is_refused_rather_than_silently_trusted()
    {
        using var client = Client(trusted: X509CertificateLoader.LoadCertificate(
            HttpsCertificates.PrepareGenerated(Path.Combine(_database.Folder, "other"), DateTimeOffset.UtcNow, "elsewhere", [IPAddress.Loopback]).Trust.RawData));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"{_https}/health"));
    }

    [Fact]
    public async Task Pages_over_HTTP_are_redirected_to_HTTPS_but_the_certificate_and_health_stay_reachable()
    {
        using var client = Client();

        using var entry = await client.GetAsync($"{_http}/entry");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, entry.StatusCode);
        Assert.Equal($"{_https}/entry", entry.Headers.Location?.ToString());

        using var health = await client.GetAsync($"{_http}/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // The about page needs sign-in: over HTTP it is not sent to HTTPS but to the sign-in page, and a signed-in
        // person reads it over HTTP.
        using var anonymousAbout = await client.GetAsync($"{_http}/about");
        Assert.Equal(HttpStatusCode.Found, anonymousAbout.StatusCode);
        Assert.StartsWith($"{_http}/signin", anonymousAbout.Headers.Location?.ToString());
        using var signedIn = Client(person: TestPeople.Operator);
        using var about = await signedIn.GetAsync($"{_http}/about");
        Assert.Equal(HttpStatusCode.OK, about.StatusCode);
    }

    [Fact]
    public async Task The_certificate_is_created_under_the_installation_folder_and_the_about_page_explains_how_to_install_it()
    {
        Assert.True(File.Exists(Path.Combine(_database.Folder, "data", "https", HttpsCertificates.ServerFile)));

        var authority = await DownloadCertificateAsync();
        using var client = Client(trusted: authority, person: TestPeople.Operator);
        var html = await client.GetStringAsync($"{_https}/about");

        Assert.Contains("On, port", html);
        Assert.Contains("certificate created by Battery MES", html);
        Assert.Contains("Download certificate (.crt)", html);
        Assert.Contains("Android", html);
        Assert.Contains("iPad", html);
        Assert.Contains("Certificate Trust Settings", html);
        Assert.Contains("Trusted Root Certification Authorities", html);
    }
}
