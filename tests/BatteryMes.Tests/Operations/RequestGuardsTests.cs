using System.Net;
using System.Net.Http.Json;
using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Operations;

/// <summary>What no client may do to the server, and how the refusals read.</summary>
public class RequestGuardsTests
{
    private static MesAppFactory App(TestDatabase database) => new(database, new Dictionary<string, string?>
    {
        ["BatteryMes:Limits:HeavyRequests"] = "1",
        ["BatteryMes:Limits:HeavyQueue"] = "0",
        ["BatteryMes:Limits:RetryAfterSeconds"] = "7",
    });

    [Fact]
    public async Task Heavy_downloads_beyond_the_limit_are_answered_503_with_retry_after_and_a_problem_that_says_what_to_do()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = App(database);
        using var client = app.CreateClient();
        (await client.PostAsJsonAsync("/api/backups", new { })).EnsureSuccessStatusCode();
        var backupName = (await client.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/backups"))![0].GetProperty("name").GetString();
        var heavy = new Func<Task<HttpResponseMessage>>[]
        {
            () => client.GetAsync("/api/reports/master.xlsx"),
            () => client.GetAsync("/api/reports/results.csv"),
            () => client.GetAsync($"/api/backups/{backupName}"),
            () => client.PostAsJsonAsync("/api/qr/batches", new { prefix = "BP-", start = 1, count = 2, payload = "PackId" }),
        };

        // Another download holds the only turn, and no request may wait.
        var gate = app.Services.GetRequiredService<HeavyRequestGate>();
        using (var held = await gate.AcquireAsync())
        {
            Assert.True(held.IsAcquired);
            foreach (var send in heavy)
            {
                using var refused = await send();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.Contains("try again in 7 seconds", await refused.Content.ReadAsStringAsync());
            }
            // Light requests are not limited.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        }

        foreach (var send in heavy)
        {
            using var answered = await send();
            Assert.True(answered.IsSuccessStatusCode, $"{answered.RequestMessage!.RequestUri}: {answered.StatusCode}");
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_nul_character_in_a_filter_prefix_name_or_reason_is_refused_with_400_and_nothing_is_stored(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        var answers = new[]
        {
            await client.GetAsync("/api/reports/results.csv?query=BP%00"),
            await client.GetAsync("/api/qr/next-start?prefix=BP-%00"),
            await client.PutAsJsonAsync("/api/dashboard/target", new { packsPerDay = 5, setBy = "Mee\0ra" }),
            await client.PostAsJsonAsync("/api/packs", new { packId = "BP-\01" }),
            await client.PostAsync("/api/packs", new StringContent("{\"packId\":\"BP-\\u00001\"}", Encoding.UTF8, "application/json")),
        };

        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains("NUL character", await answer.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/dashboard/target")).StatusCode);
    }

    [Fact]
    public async Task A_target_without_its_number_or_with_a_word_for_it_is_refused_naming_the_field()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        using var empty = await client.PutAsync("/api/dashboard/target", new StringContent("{}", Encoding.UTF8, "application/json"));
        using var word = await client.PutAsync("/api/dashboard/target", new StringContent("{\"packsPerDay\":\"many\"}", Encoding.UTF8, "application/json"));
        using var date = await client.PutAsync("/api/dashboard/target", new StringContent("{\"packsPerDay\":5,\"effectiveFrom\":\"next week\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("Field 'packsPerDay' is required", await empty.Content.ReadAsStringAsync());
        foreach (var (answer, field) in new[] { (word, "packsPerDay"), (date, "effectiveFrom") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"Field '{field}' could not be read", await answer.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/dashboard/target")).StatusCode);
    }

    [Fact]
    public async Task A_mistyped_page_address_shows_the_apps_own_page_not_found_while_the_api_keeps_problem_json()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        using var page = await client.GetAsync("/no-such-page");
        using var api = await client.GetAsync("/api/no-such");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Page not found", html);
        Assert.Contains("href=\"/entry\"", html);
        Assert.Contains("href=\"/dashboard\"", html);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void The_start_up_log_names_localhost_and_the_lan_addresses_instead_of_a_wildcard()
    {
        var lan = new[] { IPAddress.Parse("192.168.1.20"), IPAddress.Loopback, IPAddress.Parse("fe80::1") };

        Assert.Equal(["http://localhost:8501", "http://192.168.1.20:8501", "https://localhost:8443", "https://192.168.1.20:8443"],
            ServiceHosting.AddressesToOpen(["http://0.0.0.0:8501", "https://[::]:8443"], lan));
        Assert.Equal(["http://10.0.0.7:8501"], ServiceHosting.AddressesToOpen(["http://10.0.0.7:8501"], lan));
    }
}
