using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Operations;

/// <summary>The app behind nginx or IIS on real Kestrel: the test's own loopback connection plays the proxy. The audit log
/// records the client's address from X-Forwarded-For only when the sender is a listed proxy.</summary>
public sealed class ReverseProxyTests
{
    private const string Client = "203.0.113.7";

    [Theory]
    [InlineData(Client)]
    [InlineData(Client + ":50321")] // IIS (ARR) adds the client's port unless told not to
    public async Task Behind_a_listed_proxy_the_audit_log_records_the_forwarded_client_address(string forwardedFor)
    {
        var recorded = await AuditedClientAsync(trustedProxies: "127.0.0.1", forwardedFor);

        Assert.Equal(Client, recorded);
    }

    [Fact]
    public async Task A_chain_through_a_listed_network_is_followed_to_the_first_unlisted_sender()
    {
        // The client planted "198.51.100.1" itself; the proxy appended the address it saw. Only the proxy's word counts.
        var recorded = await AuditedClientAsync(trustedProxies: "10.0.0.0/8; 127.0.0.0/8", forwardedFor: $"198.51.100.1, {Client}, 10.1.2.3");

        Assert.Equal(Client, recorded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("192.168.1.5")]
    public async Task Without_the_sender_among_the_listed_proxies_the_header_is_ignored(string trustedProxies)
    {
        var recorded = await AuditedClientAsync(trustedProxies, forwardedFor: Client);

        Assert.Equal("127.0.0.1", recorded);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1; 10.0.0.0/24, fd00::/8", true)]
    [InlineData("nginx-box", false)]
    [InlineData("8501", false)]
    [InlineData("10.0.0.0/33", false)]
    public void The_setting_takes_addresses_and_networks_and_names_itself_when_wrong(string trustedProxies, bool valid)
    {
        var result = new ServerOptionsValidator().Validate(null, new ServerOptions { TrustedProxies = trustedProxies });

        Assert.Equal(valid, result.Succeeded);
        if (!valid) Assert.Contains("BatteryMes:Server:TrustedProxies", result.FailureMessage);
    }

    /// <summary>Records one result through the API with the given X-Forwarded-For and returns the client address the
    /// pack's history holds for it.</summary>
    private static async Task<string?> AuditedClientAsync(string trustedProxies, string forwardedFor)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["BatteryMes:Server:TrustedProxies"] = trustedProxies,
        });
        app.UseKestrel();
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", app.ApiKey(TestPeople.Rig));

        Assert.True((await http.PostAsJsonAsync("/api/packs", new { packId = "BP-PROXY-1" })).IsSuccessStatusCode);
        var saved = await http.PutAsJsonAsync("/api/packs/BP-PROXY-1/stages/1",
            new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK", moduleY = "OK" } } });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());

        var history = await http.GetFromJsonAsync<JsonElement>("/api/packs/BP-PROXY-1/history");
        var entry = history.EnumerateArray().First(h => h.GetProperty("checkCode").GetString() == "1.2.1");
        return entry.GetProperty("client").GetString();
    }
}
