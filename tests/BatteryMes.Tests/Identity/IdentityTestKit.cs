using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Identity;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Identity;

/// <summary>What the sign-in tests share: recording a whole stage, people added in the test, and the app on real Kestrel
/// (where the client address and the Host header are those of a real connection).</summary>
internal static class IdentityTestKit
{
    public static async Task CreatePackAsync(HttpClient client, string packId) =>
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/packs", new { packId })).StatusCode);

    /// <summary>Saves the given checks of a stage (every check when none are named) OK on Module X, with an in-limit
    /// measured value where the check has limits, and N/A on Module Y.</summary>
    public static async Task RecordAsync(MesAppFactory app, HttpClient client, string packId, int stage, params string[] checks)
    {
        var route = app.Services.GetRequiredService<ProcessRoute>().GetStage(stage);
        var codes = checks.Length > 0 ? checks : route.Checks.Select(c => c.Code).ToArray();
        var saved = await client.PutAsJsonAsync($"/api/packs/{packId}/stages/{stage}",
            new { results = codes.Select(c => new { checkCode = c, moduleX = "OK", moduleY = "N/A", measuredX = route.FindCheck(c) is { } check ? TestChecks.InLimits(check) : null }) });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
    }

    public static string[] CheckCodes(MesAppFactory app, int stage) =>
        app.Services.GetRequiredService<ProcessRoute>().GetStage(stage).Checks.Select(c => c.Code).ToArray();

    public static Task<HttpResponseMessage> CompleteAsync(HttpClient client, string packId, int stage, TestPerson signer, string? secret = null) =>
        client.PostAsJsonAsync($"/api/packs/{packId}/stages/{stage}/complete", new { pin = secret ?? signer.Pin, password = secret is null ? signer.Password : null });

    public static async Task<JsonElement> StageAsync(HttpClient client, string packId, int stage) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/packs/{packId}/stages/{stage}");

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Adds a person through the app's <see cref="PeopleDirectory"/> and returns a client acting as them.</summary>
    public static async Task<HttpClient> AddPersonAsync(MesAppFactory app, TestPerson person)
    {
        var people = app.Services.GetRequiredService<PeopleDirectory>();
        var added = await people.AddAsync(new NewPerson(person.Login, person.FullName, person.Roles, person.Pin, person.Password), "tests");
        Assert.True(added.Succeeded, added.Message);
        var (key, outcome) = await people.CreateApiKeyAsync(person.Login, "tests", "tests");
        Assert.True(key is not null, outcome.Message);
        var client = app.CreateClientAs(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Starts the app on real Kestrel on a free loopback port and returns its address (http://127.0.0.1:port).</summary>
    public static Uri StartOnKestrel(MesAppFactory app)
    {
        app.UseKestrel();
        app.StartServer();
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>A plain client to a Kestrel address, acting as <paramref name="person"/> through their API key (or nobody).</summary>
    public static HttpClient KestrelClient(MesAppFactory app, Uri address, TestPerson? person)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        if (person is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.ApiKey(person));
        return client;
    }

    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] settings) =>
        settings.ToDictionary(s => s.Key, s => s.Value);
}
