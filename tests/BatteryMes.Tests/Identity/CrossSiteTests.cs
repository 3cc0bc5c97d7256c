using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Identity;
using Microsoft.EntityFrameworkCore;
using static BatteryMes.Tests.Identity.IdentityTestKit;

namespace BatteryMes.Tests.Identity;

/// <summary>What a page on another site cannot make a signed-in station do: post a form or plain text to the API
/// (only JSON is taken, which a browser sends cross-site only with CORS), reach the app under another host name
/// (DNS rebinding), frame it, or run scripts from elsewhere in it.</summary>
public class CrossSiteTests
{
    public static TheoryData<string> NotJson => new() { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data" };

    [Theory]
    [MemberData(nameof(NotJson))]
    public async Task A_write_that_is_not_json_is_refused_415_even_with_a_valid_sign_in_and_changes_nothing(string contentType)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var rig = app.CreateClient();
        await CreatePackAsync(rig, "BP-CSRF-1");
        await RecordAsync(app, rig, "BP-CSRF-1", 1);
        var before = await StageAsync(rig, "BP-CSRF-1", 1);

        var writes = new (HttpMethod Method, string Path, string Body)[]
        {
            (HttpMethod.Post, "/api/packs", contentType == "text/plain" ? "{\"packId\":\"BP-CSRF-2\"}" : "packId=BP-CSRF-2"),
            (HttpMethod.Put, "/api/packs/BP-CSRF-1/stages/1", "{\"remarks\":\"forged\"}"),
            (HttpMethod.Post, "/api/packs/BP-CSRF-1/stages/1/complete", contentType == "text/plain" ? "{\"pin\":\"9999\"}" : "pin=9999"),
            (HttpMethod.Post, "/api/packs/BP-CSRF-1/stages/1/reopen", "{\"reason\":\"forged\",\"password\":\"rig-password\"}"),
            (HttpMethod.Post, "/api/backups", "{}"),
            (HttpMethod.Post, "/api/qr/batches", "{\"ids\":[\"BP-CSRF-3\"]}"),
            (HttpMethod.Put, "/api/dashboard/target", "{\"packsPerDay\":1}"),
        };
        foreach (var (method, path, body) in writes)
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            using var response = await rig.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal("JSON required", (await ProblemAsync(response)).GetProperty("title").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await rig.GetAsync("/api/packs/BP-CSRF-2")).StatusCode);
        var after = await StageAsync(rig, "BP-CSRF-1", 1);
        Assert.Equal(before.GetProperty("eTag").GetString(), after.GetProperty("eTag").GetString());
        Assert.Equal("Ready to complete", after.GetProperty("status").GetString());
        // Automatic snapshots follow the saves; no manual backup was made.
        Assert.DoesNotContain((await rig.GetFromJsonAsync<JsonElement>("/api/backups")).EnumerateArray(), b => b.GetProperty("manual").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await rig.GetAsync("/api/dashboard/target")).StatusCode);
        await using var db = await app.Services.OpenAsync();
        Assert.Equal(0, await db.IssuedLabels.CountAsync());
    }

    [Fact]
    public async Task A_request_under_a_host_name_the_app_is_not_reached_by_is_refused_400_on_real_kestrel()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        var address = StartOnKestrel(app);
        using var rig = KestrelClient(app, address, TestPeople.Rig);

        async Task<HttpStatusCode> GetAsync(string path, string? host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (host is not null) request.Headers.Host = host;
            using var response = await rig.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, await GetAsync("/api/route", "evil.example"));
        Assert.Equal(HttpStatusCode.BadRequest, await GetAsync("/health", $"evil.example:{address.Port}"));
        Assert.Equal(HttpStatusCode.BadRequest, await GetAsync("/signin", "mes.plant.local"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("/api/route", null));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("/api/route", $"localhost:{address.Port}"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("/api/route", System.Net.Dns.GetHostName()));
    }

    [Fact]
    public async Task A_host_name_in_the_security_settings_is_accepted_besides_the_machines_own()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["BatteryMes:Security:HostNames"] = "mes.plant.local",
        });
        var address = StartOnKestrel(app);
        using var client = KestrelClient(app, address, null);

        using var alias = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Host = "mes.plant.local" } };
        using var other = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Host = "evil.example" } };

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(alias)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(other)).StatusCode);
    }

    [Theory]
    [InlineData("/signin")]
    [InlineData("/api/route")]
    [InlineData("/api/packs/BP-NONE")]
    public async Task Pages_and_api_answers_carry_the_security_headers(string path)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        // Blazor adds its own "frame-ancestors 'self'" to pages; a browser applies every policy, so the strictest holds.
        Assert.Contains(WebSecurity.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", WebSecurity.ContentSecurityPolicy);
        Assert.DoesNotContain("'unsafe-eval'", WebSecurity.ContentSecurityPolicy);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }
}
