using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.DataEntry;

/// <summary>The JSON API for test equipment and scripts: the same merge, conflict and blocking rules as the page.</summary>
public class DataEntryApiTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_route_lists_eight_stages_with_their_checks_and_limits(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);

        var route = await api.Client.GetFromJsonAsync<JsonElement>("/api/route");

        var stages = route.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 8), stages.Select(s => s.GetProperty("number").GetInt32()));
        Assert.Equal(65, stages.Sum(s => s.GetProperty("checks").GetArrayLength()));
        var voltage = stages[0].GetProperty("checks")[0];
        Assert.Equal("1.1.1", voltage.GetProperty("code").GetString());
        Assert.Equal(3.58, voltage.GetProperty("limits").GetProperty("min").GetDouble());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Creating_a_pack_answers_201_then_409_and_a_bad_id_gets_a_problem_that_says_what_is_allowed(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);

        var created = await api.Client.PostAsJsonAsync("/api/packs", new { packId = "BP-2026-0001", moduleXSerial = "MX-1" });
        var again = await api.Client.PostAsJsonAsync("/api/packs", new { packId = "BP-2026-0001" });
        var bad = await api.Client.PostAsJsonAsync("/api/packs", new { packId = "BP 2026/1" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/packs/BP-2026-0001", created.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains("letters A-Z, digits 0-9", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var pack = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-2026-0001");
        Assert.Equal("Not started", pack.GetProperty("status").GetString());
        Assert.Equal("MX-1", pack.GetProperty("moduleXSerial").GetString());
        Assert.Equal(8, pack.GetProperty("stages").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task An_unknown_pack_or_stage_is_a_404_problem(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);
        await api.CreateAsync("BP-1");

        var pack = await api.Client.GetAsync("/api/packs/BP-NOPE");
        var stage = await api.Client.GetAsync("/api/packs/BP-1/stages/9");

        Assert.Equal(HttpStatusCode.NotFound, pack.StatusCode);
        Assert.Contains("not registered", await pack.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, stage.StatusCode);
        Assert.Contains("stages 1 to 8", await stage.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_pack_id_with_a_right_to_left_override_is_quoted_escaped_in_the_problem()
    {
        await using var api = await Api.StartAsync(DatabaseProvider.Sqlite);

        var created = await api.Client.PostAsJsonAsync("/api/packs", new { packId = "\u202E1-PB" });
        var opened = await api.Client.GetAsync("/api/packs/%E2%80%AEBP-1");
        var completed = await api.CompleteAsync("%E2%80%AEBP-1", 1);
        var saved = await api.Client.PutAsJsonAsync("/api/packs/%E2%80%AEBP-1/stages/1", new { results = Array.Empty<object>() });

        var refusal = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        var unknown = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        var notCompleted = (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        var notSaved = (await saved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.StartsWith("'<U+202E>1-PB' is not a valid pack ID.", refusal);
        Assert.StartsWith("Pack <U+202E>BP-1 is not registered.", unknown);
        Assert.StartsWith("Pack <U+202E>BP-1 is not registered.", notCompleted);
        Assert.StartsWith("'<U+202E>BP-1' is not a valid pack ID.", notSaved);
        Assert.DoesNotContain('\u202E', refusal + unknown + notCompleted + notSaved);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Saves_without_if_match_merge_and_absent_values_are_left_alone(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);
        await api.CreateAsync("BP-1");

        var x = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK" }, new { checkCode = "1.1.1", moduleX = (string?)null } } });
        var y = await api.PutAsync("BP-1", 1, new { results = new object[] { new { checkCode = "1.2.1", moduleY = "n/a" }, new { checkCode = "1.1.1", measuredY = 3.70 } } });

        Assert.Equal(HttpStatusCode.OK, x.StatusCode);
        Assert.Equal(HttpStatusCode.OK, y.StatusCode);
        var stage = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/stages/1");
        var jig = Result(stage, "1.2.1");
        Assert.Equal(("OK", "N/A"), (jig.GetProperty("moduleX").GetString(), jig.GetProperty("moduleY").GetString()));
        Assert.Equal("NOT OK", Result(stage, "1.1.1").GetProperty("moduleY").GetString());
        // The technician is the person the API key belongs to.
        Assert.Equal(TestPeople.Rig.FullName, stage.GetProperty("technician").GetString());
        Assert.Equal("QC NOT OK", stage.GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task With_if_match_a_field_changed_since_is_a_409_with_the_current_values(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);
        await api.CreateAsync("BP-1");
        var first = await api.Client.GetAsync("/api/packs/BP-1/stages/1");
        var etag = first.Headers.ETag!.Tag;
        var other = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK" } } }, etag);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.NotEqual(etag, other.Headers.ETag!.Tag);

        var stale = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "NOT OK" } } }, etag);
        var untouchedField = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleY = "OK" } } }, etag);
        var wrongTag = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleY = "OK" } } }, "\"banana\"");

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();
        var conflict = problem.GetProperty("conflicts")[0];
        Assert.Equal(("1.2.1", "Module X", "NOT OK", "OK"), (conflict.GetProperty("checkCode").GetString(), conflict.GetProperty("field").GetString(),
            conflict.GetProperty("yours").GetString(), conflict.GetProperty("current").GetString()));
        Assert.Equal("OK", Result(problem.GetProperty("current"), "1.2.1").GetProperty("moduleX").GetString());
        Assert.Equal(HttpStatusCode.OK, untouchedField.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongTag.StatusCode);
        var stage = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/stages/1");
        Assert.Equal(("OK", "OK"), (Result(stage, "1.2.1").GetProperty("moduleX").GetString(), Result(stage, "1.2.1").GetProperty("moduleY").GetString()));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_etag_a_save_answers_with_is_the_one_a_later_get_gives_and_it_works_as_if_match(DatabaseProvider provider)
    {
        // The clock's readings carry 100 ns digits, which PostgreSQL's timestamps (whole microseconds) cannot hold.
        await using var api = await Api.StartAsync(provider, new SubMicrosecondClock());
        await api.CreateAsync("BP-1");

        var first = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK" } } });
        var firstTag = first.Headers.ETag!.Tag;
        var read = await api.Client.GetAsync("/api/packs/BP-1/stages/1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(firstTag, read.Headers.ETag!.Tag);
        Assert.Equal(firstTag, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eTag").GetString());

        var second = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "NOT OK" } } }, firstTag);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var third = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK", moduleY = "OK" } } }, second.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(third.Headers.ETag!.Tag, (await api.Client.GetAsync("/api/packs/BP-1/stages/1")).Headers.ETag!.Tag);

        var all = AllOfStageOne();
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync("BP-1", 1, new { results = all }, third.Headers.ETag!.Tag)).StatusCode);
        var done = await api.CompleteAsync("BP-1", 1);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(done.Headers.ETag!.Tag, (await api.Client.GetAsync("/api/packs/BP-1/stages/1")).Headers.ETag!.Tag);
        var stage = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/stages/1");
        Assert.Equal(("OK", "N/A"), (Result(stage, "1.2.1").GetProperty("moduleX").GetString(), Result(stage, "1.2.1").GetProperty("moduleY").GetString()));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_not_ok_blocks_later_stages_and_names_the_check(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);
        await api.CreateAsync("BP-1");
        await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.2", moduleY = "NOT OK" } } });

        var later = await api.PutAsync("BP-1", 2, new { results = new[] { new { checkCode = "2.1.1", moduleX = "OK" } } });
        var pack = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1");

        Assert.Equal(HttpStatusCode.Conflict, later.StatusCode);
        Assert.Contains("check 1.2.2 for Module Y", await later.Content.ReadAsStringAsync());
        Assert.Equal("QC issues", pack.GetProperty("status").GetString());
        Assert.Contains("1.2.2", pack.GetProperty("stages")[1].GetProperty("blockedBy").GetString());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_stage_completes_only_with_every_result_and_a_reopen_with_its_reason_lands_in_the_history(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);
        await api.CreateAsync("BP-1");
        await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK", moduleY = "OK" } } });

        var early = await api.CompleteAsync("BP-1", 1);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("Module X still missing", await early.Content.ReadAsStringAsync());

        var all = AllOfStageOne();
        var full = await api.PutAsync("BP-1", 1, new { results = all });
        Assert.True((await full.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("canComplete").GetBoolean());
        var done = await api.CompleteAsync("BP-1", 1);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var completed = await done.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Completed (QC OK)", completed.GetProperty("status").GetString());
        Assert.Equal((TestPeople.Rig.FullName, TestPeople.Rig.Login), (completed.GetProperty("qcInspector").GetString(), completed.GetProperty("signedOffBy").GetString()));

        var noReason = await api.Client.PostAsJsonAsync("/api/packs/BP-1/stages/1/reopen", new { reason = "", password = TestPeople.Rig.Password });
        var reopened = await api.Client.PostAsJsonAsync("/api/packs/BP-1/stages/1/reopen", new { reason = "Wrong cell batch recorded", password = TestPeople.Rig.Password });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);

        var history = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/history");
        var reopen = history.EnumerateArray().First(h => h.GetProperty("action").GetString() == "Reopen");
        Assert.Equal("Wrong cell batch recorded", reopen.GetProperty("reason").GetString());
        // The reopen is recorded as the person who signed it.
        Assert.Equal((TestPeople.Rig.FullName, TestPeople.Rig.Login), (reopen.GetProperty("user").GetString(), reopen.GetProperty("userLogin").GetString()));
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("action").GetString() == "Complete");
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("checkCode").GetString() == "1.2.1" && h.GetProperty("field").GetString() == "Module X"
            && h.GetProperty("newValue").GetString() == "OK");
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Bad_results_are_refused_with_a_message_and_nothing_is_stored(DatabaseProvider provider)
    {
        await using var api = await Api.StartAsync(provider);
        await api.CreateAsync("BP-1");

        var word = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "1.2.1", moduleX = "FINE" } } });
        var code = await api.PutAsync("BP-1", 1, new { results = new[] { new { checkCode = "9.9.9", moduleX = "OK" } } });

        Assert.Equal(HttpStatusCode.BadRequest, word.StatusCode);
        Assert.Contains("\"OK\", \"NOT OK\" or \"N/A\"", (await word.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, code.StatusCode);
        Assert.Contains("not part of stage 1", await code.Content.ReadAsStringAsync());
        var stage = await api.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/stages/1");
        Assert.Equal("Not started", stage.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_data_entry_endpoints()
    {
        await using var api = await Api.StartAsync(DatabaseProvider.Sqlite);

        var doc = await api.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/route", paths);
        Assert.Contains("/api/packs", paths);
        Assert.Contains("/api/packs/{packId}/stages/{stageNumber}", paths);
        Assert.Contains("/api/packs/{packId}/stages/{stageNumber}/complete", paths);
        Assert.Contains("/api/packs/{packId}/history", paths);
    }

    /// <summary>Every check of stage 1: Module X OK (with an in-limit measured value where the check requires one), Module Y N/A.</summary>
    private static object[] AllOfStageOne()
    {
        var inLimits = new Dictionary<string, double> { ["1.1.1"] = 3.59, ["1.1.2"] = 12.0 };
        return new[] { "1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3" }
            .Select(c => inLimits.TryGetValue(c, out var value)
                ? (object)new { checkCode = c, moduleX = "OK", moduleY = "N/A", measuredX = value }
                : new { checkCode = c, moduleX = "OK", moduleY = "N/A" }).ToArray();
    }

    private static JsonElement Result(JsonElement stage, string code) =>
        stage.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("checkCode").GetString() == code);

    private sealed class Api : IAsyncDisposable
    {
        private readonly TestDatabase _database;
        private readonly MesAppFactory _factory;

        private readonly WebApplicationFactory<Program> _app;

        private Api(TestDatabase database, TimeProvider? clock)
        {
            _database = database;
            _factory = new MesAppFactory(database);
            _app = clock is null ? _factory : _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(clock)));
            Client = _app.CreateClient();
        }

        public HttpClient Client { get; }

        public static Task<Api> StartAsync(DatabaseProvider provider, TimeProvider? clock = null) =>
            Task.FromResult(new Api(TestDatabase.Create(provider), clock));

        public async Task CreateAsync(string packId) =>
            Assert.Equal(HttpStatusCode.Created, (await Client.PostAsJsonAsync("/api/packs", new { packId })).StatusCode);

        /// <summary>Signs the stage off as the client's person (the test rig) with their PIN.</summary>
        public Task<HttpResponseMessage> CompleteAsync(string packId, int stage) =>
            Client.PostAsJsonAsync($"/api/packs/{packId}/stages/{stage}/complete", new { pin = TestPeople.Rig.Pin });

        public Task<HttpResponseMessage> PutAsync(string packId, int stage, object body, string? ifMatch = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"/api/packs/{packId}/stages/{stage}") { Content = JsonContent.Create(body) };
            if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            return Client.SendAsync(request);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            if (_app != _factory) await _app.DisposeAsync();
            await _factory.DisposeAsync();
            await _database.DisposeAsync();
        }
    }

    /// <summary>The system clock with the last 100 ns digit of every reading set to 7, as most readings of a real clock
    /// have a non-zero one: a test with it cannot pass by the luck of a whole-microsecond time.</summary>
    private sealed class SubMicrosecondClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow()
        {
            var now = base.GetUtcNow();
            return now.AddTicks(7 - now.Ticks % 10);
        }
    }
}
