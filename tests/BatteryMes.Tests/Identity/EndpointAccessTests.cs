using System.Net;
using System.Net.Http.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using static BatteryMes.Tests.Identity.IdentityTestKit;

namespace BatteryMes.Tests.Identity;

/// <summary>Every API endpoint against every kind of caller: nobody (401), each test person without the role the
/// endpoint needs (403 naming the role), and each person with it (the endpoint's own answer). One app per provider.</summary>
public class EndpointAccessTests
{
    private const string PackId = "BP-ACL-1";

    /// <summary>An endpoint, the capability it needs (null: the Dashboard, open to anyone by default), how to call it as
    /// a person, and what a caller with the role gets (a status, and a text the answer must hold when it is not a 2xx).</summary>
    private sealed record Endpoint(string Name, Capability? Needs, Func<TestPerson?, HttpRequestMessage> Request, HttpStatusCode Allowed,
        string? AllowedText = null);

    private static int _sequence;

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Send(HttpMethod method, string path, object body) => new(method, path) { Content = JsonContent.Create(body) };

    /// <summary>The caller's own PIN or password, as a signature.</summary>
    private static object Signature(TestPerson? person, string? reason = null) =>
        new { reason, pin = person?.Pin, password = person?.Pin is null ? person?.Password : null };

    private static readonly Endpoint[] Endpoints =
    [
        new("GET /api/route", Capability.View, _ => Get("/api/route"), HttpStatusCode.OK),
        new("POST /api/packs", Capability.RecordResults,
            _ => Send(HttpMethod.Post, "/api/packs", new { packId = $"BP-ACL-NEW-{Interlocked.Increment(ref _sequence)}" }), HttpStatusCode.Created),
        new("GET /api/packs/{id}", Capability.View, _ => Get($"/api/packs/{PackId}"), HttpStatusCode.OK),
        new("GET stage", Capability.View, _ => Get($"/api/packs/{PackId}/stages/1"), HttpStatusCode.OK),
        new("PUT stage", Capability.RecordResults,
            _ => Send(HttpMethod.Put, $"/api/packs/{PackId}/stages/1", new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK" } } }), HttpStatusCode.OK),
        // Stage 1 is never complete here: a caller who may sign gets past the role and the signature to the stage's own answer.
        new("POST complete", Capability.SignOff, p => Send(HttpMethod.Post, $"/api/packs/{PackId}/stages/1/complete", Signature(p)),
            HttpStatusCode.Conflict, "still missing"),
        new("POST reopen", Capability.Supervise, p => Send(HttpMethod.Post, $"/api/packs/{PackId}/stages/1/reopen", Signature(p, "Access check")),
            HttpStatusCode.BadRequest, "nothing to reopen"),
        new("GET history", Capability.View, _ => Get($"/api/packs/{PackId}/history"), HttpStatusCode.OK),
        new("GET report.xlsx", Capability.View, _ => Get($"/api/packs/{PackId}/report.xlsx"), HttpStatusCode.OK),
        new("GET master.xlsx", Capability.View, _ => Get("/api/reports/master.xlsx"), HttpStatusCode.OK),
        new("GET results.csv", Capability.View, _ => Get("/api/reports/results.csv"), HttpStatusCode.OK),
        new("POST /api/qr/batches", Capability.PrintLabels,
            _ => Send(HttpMethod.Post, "/api/qr/batches", new { ids = new[] { $"BP-ACL-QR-{Interlocked.Increment(ref _sequence)}" } }), HttpStatusCode.OK),
        new("GET /api/qr/next-start", Capability.PrintLabels, _ => Get("/api/qr/next-start?prefix=BP-"), HttpStatusCode.OK),
        new("GET /api/backups", Capability.Administer, _ => Get("/api/backups"), HttpStatusCode.OK),
        new("GET /api/backups/status", Capability.View, _ => Get("/api/backups/status"), HttpStatusCode.OK),
        new("POST /api/backups", Capability.Administer, _ => Send(HttpMethod.Post, "/api/backups", new { }), HttpStatusCode.Created),
        new("GET passport.json", Capability.View, _ => Get($"/api/packs/{PackId}/passport.json"), HttpStatusCode.OK),
        new("POST /api/cells/import", Capability.Supervise,
            _ => Send(HttpMethod.Post, "/api/cells/import", new { fileName = "acl.csv", csv = "Cell ID\nACL-CELL-1\n", dryRun = true }), HttpStatusCode.OK),
        new("GET /api/dashboard", null, _ => Get("/api/dashboard"), HttpStatusCode.OK),
        new("GET /api/dashboard/target", null, _ => Get("/api/dashboard/target"), HttpStatusCode.OK),
        new("PUT /api/dashboard/target", Capability.Supervise, _ => Send(HttpMethod.Put, "/api/dashboard/target", new { packsPerDay = 120 }), HttpStatusCode.OK),
        new("POST components (scan)", Capability.RecordResults,
            _ => Send(HttpMethod.Post, $"/api/packs/{PackId}/stages/1/components", new { side = "X", serial = $"C-ACL-{Interlocked.Increment(ref _sequence)}" }), HttpStatusCode.Created),
        new("GET components", Capability.View, _ => Get($"/api/packs/{PackId}/components"), HttpStatusCode.OK),
        new("POST component replace", Capability.Supervise,
            _ => Send(HttpMethod.Post, $"/api/packs/{PackId}/components/999999/replace", new { serial = "C-NEW", reason = "Access check" }), HttpStatusCode.BadRequest, "no component link"),
        new("POST component remove", Capability.Supervise,
            _ => Send(HttpMethod.Post, $"/api/packs/{PackId}/components/999999/remove", new { reason = "Access check" }), HttpStatusCode.BadRequest, "no component link"),
        // Without a reason: the hold is refused after the role check, so the pack stays free for the sign-off row above.
        new("POST pack hold", Capability.Supervise, _ => Send(HttpMethod.Post, $"/api/packs/{PackId}/hold", new { reason = "" }), HttpStatusCode.BadRequest, "reason"),
        new("POST pack release", Capability.Supervise, _ => Send(HttpMethod.Post, $"/api/packs/{PackId}/release", new { }), HttpStatusCode.OK),
        new("GET /api/holds", Capability.View, _ => Get("/api/holds"), HttpStatusCode.OK),
        new("GET trace cell", Capability.View, _ => Get("/api/trace/cells/C-NONE"), HttpStatusCode.NotFound, "No cell C-NONE"),
        new("GET trace module", Capability.View, _ => Get("/api/trace/modules/M-NONE"), HttpStatusCode.NotFound, "No module M-NONE"),
        new("GET trace lot", Capability.View, _ => Get("/api/trace/lots/LOT-ACL"), HttpStatusCode.OK),
        new("GET trace lot csv", Capability.View, _ => Get("/api/trace/lots/LOT-ACL/packs.csv"), HttpStatusCode.OK),
        new("POST lot hold", Capability.Supervise, _ => Send(HttpMethod.Post, "/api/trace/lots/LOT-ACL/hold", new { reason = "Access check" }), HttpStatusCode.NotFound, "No pack holds"),
    ];

    private static readonly Dictionary<string, string?> NoAutomaticSnapshots = new() { ["BatteryMes:Backups:PostgresSnapshotIntervalMinutes"] = "0" };

    private static async Task<MesAppFactory> StartAsync(TestDatabase database, IDictionary<string, string?>? settings = null)
    {
        var app = new MesAppFactory(database, new Dictionary<string, string?>(NoAutomaticSnapshots.Concat(settings ?? new Dictionary<string, string?>())));
        using var rig = app.CreateClient();
        await CreatePackAsync(rig, PackId);
        Assert.Equal(HttpStatusCode.OK, (await rig.PutAsJsonAsync("/api/dashboard/target", new { packsPerDay = 100 })).StatusCode);
        return app;
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Every_endpoint_answers_nobody_401_a_person_without_the_role_403_naming_it_and_a_person_with_it_its_own_answer(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var failures = new List<string>();

        using (var anonymous = app.CreateClientAs(null))
        {
            foreach (var endpoint in Endpoints)
            {
                using var response = await anonymous.SendAsync(endpoint.Request(null));
                var expected = endpoint.Needs is null ? HttpStatusCode.OK : HttpStatusCode.Unauthorized;
                if (response.StatusCode != expected) failures.Add($"nobody, {endpoint.Name}: {(int)response.StatusCode}, expected {(int)expected}");
                else if (expected == HttpStatusCode.Unauthorized)
                {
                    var problem = await ProblemAsync(response);
                    if (problem.GetProperty("title").GetString() != "Sign-in required" || response.Headers.WwwAuthenticate.ToString() != "Bearer")
                        failures.Add($"nobody, {endpoint.Name}: 401 without the sign-in problem: {problem}");
                }
            }
        }

        foreach (var person in TestPeople.All)
        {
            using var client = app.CreateClientAs(person);
            foreach (var endpoint in Endpoints)
            {
                using var response = await client.SendAsync(endpoint.Request(person));
                var body = await response.Content.ReadAsStringAsync();
                var allowed = endpoint.Needs is not { } needs || RoleRules.Allows(person.Roles, needs);
                if (!allowed)
                {
                    var needed = $"This needs the {RoleRules.Describe(endpoint.Needs!.Value)} role.";
                    if (response.StatusCode != HttpStatusCode.Forbidden || response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                        || !body.Contains(needed, StringComparison.Ordinal) || !body.Contains(person.FullName, StringComparison.Ordinal))
                        failures.Add($"{person}, {endpoint.Name}: {(int)response.StatusCode} {body}, expected 403 with '{needed}'");
                }
                else if (response.StatusCode != endpoint.Allowed || endpoint.AllowedText is { } text && !body.Contains(text, StringComparison.Ordinal))
                    failures.Add($"{person}, {endpoint.Name}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}, expected {(int)endpoint.Allowed} {endpoint.AllowedText}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Every row of the table was reached both ways: each capability has a person without it, except View.
        Assert.All(Endpoints.Where(e => e.Needs is { } n && n != Capability.View),
            e => Assert.Contains(TestPeople.All, p => !RoleRules.Allows(p.Roles, e.Needs!.Value)));
    }

    [Fact]
    public async Task With_the_anonymous_dashboard_switched_off_the_dashboard_api_needs_sign_in_too()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Security:AnonymousDashboard"] = "false" });
        using var anonymous = app.CreateClientAs(null);
        using var operatorClient = app.CreateClientAs(TestPeople.Operator);

        foreach (var path in new[] { "/api/dashboard", "/api/dashboard/target" })
        {
            using var refused = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Sign-in required", (await ProblemAsync(refused)).GetProperty("title").GetString());
            Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync(path)).StatusCode);
        }
    }
}
