using System.Net;
using System.Net.Http.Json;
using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Faults;

/// <summary>Hostile and broken input against every data entry API endpoint: each gets an answer below 500 (a clear
/// 4xx, or a 2xx where the input is merely unusual and stored safely), the app stays up, and what was stored before
/// the sweep is exactly as it was. The app runs on real Kestrel in its own process: the in-memory test host would
/// refuse some of these requests itself (a NUL in the path) before the app saw them.</summary>
public class BadInputSweepTests
{
    public static readonly string[] HostileTexts =
    [
        "",
        "   ",
        new string('A', 1024 * 1024),
        "\u0000\u0001\u0002\u001b[31mred\u007f",
        "Line1\r\nLine2\tTab",
        "Ünïcødé 电池 пакет \u202Eevil\u202C \uD83D\uDD0B",
        "\uD800",
        "'; DROP TABLE \"Packs\"; --",
        "1 OR 1=1",
        "<script>alert('x')</script>",
        "\"><img src=x onerror=alert(1)>",
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "../../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "CON",
        "{{7*7}}${7*7}",
    ];

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Hostile_input_to_every_API_endpoint_gets_a_clear_answer_and_changes_nothing_stored(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await AppProcess.StartAsync(database);
        using var client = app.CreateClient();
        using var inspector = app.CreateClient(TestPeople.Inspector);
        await using var services = database.BuildServices();

        // What is stored before the sweep: one pack with a full stage 1.
        const string packId = "BP-SWEEP-0001";
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/packs", new { packId })).StatusCode);
        var route = services.GetRequiredService<BatteryMes.Web.Domain.ProcessRoute>();
        var stage1 = route.GetStage(1);
        var baseline = await client.PutAsJsonAsync($"/api/packs/{packId}/stages/1", new
        {
            remarks = "Baseline before the sweep",
            results = stage1.Checks.Select(c => new { checkCode = c.Code, moduleX = "OK", moduleY = "N/A", measuredX = TestChecks.InLimits(c) }),
        });
        Assert.True(baseline.IsSuccessStatusCode, await baseline.Content.ReadAsStringAsync());
        var before = await SnapshotAsync(services, packId);

        var answers = new List<(string What, HttpStatusCode Status)>();
        async Task Send(string what, Func<Task<HttpResponseMessage>> request)
        {
            using var response = await request();
            answers.Add((what, response.StatusCode));
        }

        foreach (var text in HostileTexts)
        {
            var shown = text.Length > 30 ? text[..30] + "..." : text;
            var escaped = Uri.EscapeDataString(text.Length > 2000 ? text[..2000] : text);
            await Send($"POST /api/packs packId={shown}", () => client.PostAsJsonAsync("/api/packs", new { packId = text, moduleXSerial = text, moduleYSerial = text }));
            await Send($"GET /api/packs/{shown}", () => client.GetAsync($"/api/packs/{escaped}"));
            await Send($"GET stage of {shown}", () => client.GetAsync($"/api/packs/{escaped}/stages/1"));
            await Send($"GET history of {shown}", () => client.GetAsync($"/api/packs/{escaped}/history"));
            await Send($"PUT stage of {shown}", () => client.PutAsJsonAsync($"/api/packs/{escaped}/stages/1", new { remarks = "x", results = Array.Empty<object>() }));
            await Send($"complete stage of {shown}", () => client.PostAsJsonAsync($"/api/packs/{escaped}/stages/1/complete", new { pin = TestPeople.Rig.Pin }));
            // As the inspector: the wrong PINs lock the inspector's login, not the client the rest of the sweep uses.
            await Send($"sign-off PIN {shown}", () => inspector.PostAsJsonAsync($"/api/packs/{packId}/stages/2/complete", new { pin = text, password = text }));
            await Send($"reopen with reason {shown}", () => client.PostAsJsonAsync($"/api/packs/{packId}/stages/1/reopen", new { reason = text, password = TestPeople.Rig.Password }));
            await Send($"reopen as user {shown}", () => client.PostAsJsonAsync($"/api/packs/{packId}/stages/1/reopen", new { reason = "x", user = text, password = TestPeople.Rig.Password }));
            // On another stage of the stored pack, so that what the sweep may legitimately store never touches stage 1.
            await Send($"PUT technician {shown}", () => client.PutAsJsonAsync($"/api/packs/{packId}/stages/2", new { technician = text, qcInspector = text, remarks = text }));
            await Send($"PUT remarks {shown}", () => client.PutAsJsonAsync($"/api/packs/{packId}/stages/2", new { remarks = text }));
            await Send($"PUT check code {shown}", () => client.PutAsJsonAsync($"/api/packs/{packId}/stages/2", new { results = new[] { new { checkCode = text, moduleX = "OK" } } }));
            await Send($"PUT result {shown}", () => client.PutAsJsonAsync($"/api/packs/{packId}/stages/2", new { results = new[] { new { checkCode = route.GetStage(2).Checks[0].Code, moduleX = text, moduleY = text } } }));
            // HttpClient sends printable ASCII headers only; the others cannot reach the app as a header anyway.
            if (text.All(c => c is >= ' ' and < '\u007f'))
                await Send($"If-Match {shown}", () =>
            {
                var put = new HttpRequestMessage(HttpMethod.Put, $"/api/packs/{packId}/stages/2") { Content = JsonContent.Create(new { remarks = "x" }) };
                put.Headers.TryAddWithoutValidation("If-Match", text.Length > 200 ? text[..200] : text);
                return client.SendAsync(put);
            });
        }

        // Wrong types and broken bodies.
        foreach (var (what, body) in new[]
        {
            ("not JSON", "this is not json"),
            ("JSON array", "[1,2,3]"),
            ("number for packId", "{\"packId\": 12345}"),
            ("object for packId", "{\"packId\": {\"a\": 1}}"),
            ("truncated JSON", "{\"packId\": \"BP-1"),
            ("deep nesting", new string('[', 5000) + new string(']', 5000)),
            ("results as string", "{\"results\": \"OK\"}"),
            ("measured value as text", $"{{\"results\": [{{\"checkCode\": \"{route.GetStage(2).Checks.First(c => c.IsMeasurable).Code}\", \"measuredX\": \"ten\"}}]}}"),
            ("measured value NaN", $"{{\"results\": [{{\"checkCode\": \"{route.GetStage(2).Checks.First(c => c.IsMeasurable).Code}\", \"measuredX\": NaN}}]}}"),
            ("measured value huge", $"{{\"results\": [{{\"checkCode\": \"{route.GetStage(2).Checks.First(c => c.IsMeasurable).Code}\", \"measuredX\": 1e400}}]}}"),
            ("null result", "{\"results\": [null]}"),
        })
        {
            await Send($"POST /api/packs {what}", () => client.PostAsync("/api/packs", new StringContent(body, Encoding.UTF8, "application/json")));
            await Send($"PUT stage {what}", () => client.PutAsync($"/api/packs/{packId}/stages/2", new StringContent(body, Encoding.UTF8, "application/json")));
        }
        await Send("stage 0", () => client.GetAsync($"/api/packs/{packId}/stages/0"));
        await Send("stage 99", () => client.PutAsJsonAsync($"/api/packs/{packId}/stages/99", new { remarks = "x" }));
        await Send("stage -1", () => client.GetAsync($"/api/packs/{packId}/stages/-1"));
        await Send("stage as text", () => client.GetAsync($"/api/packs/{packId}/stages/one"));
        await Send("form content type", () => client.PostAsync("/api/packs", new FormUrlEncodedContent([new("packId", "BP-1")])));

        var serverErrors = answers.Where(a => (int)a.Status >= 500).Select(a => $"{a.What}: {(int)a.Status}").ToList();
        Assert.True(serverErrors.Count == 0, "Server errors:\n" + string.Join("\n", serverErrors) + "\n" + app.Output);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(before, await SnapshotAsync(services, packId));
        // The only packs besides the stored one are hostile texts that are nonetheless valid pack IDs ("CON").
        await using (var db = await services.OpenAsync())
            Assert.All(await db.Packs.Where(p => p.PackId != packId).Select(p => p.PackId).ToListAsync(),
                id => Assert.True(BatteryMes.Web.Domain.PackIdentifier.IsValid(id) && HostileTexts.Contains(id), $"Unexpected pack '{id}'"));
    }

    /// <summary>Stage 1 of the stored pack as stored: pack, who recorded it, every result.</summary>
    private static async Task<string> SnapshotAsync(IServiceProvider services, string packId)
    {
        await using var db = await services.OpenAsync();
        var rows = await db.StageRecords.AsNoTracking().Where(s => s.StageNumber == 1 && s.Pack.PackId == packId).Include(s => s.Pack).Include(s => s.Results)
            .OrderBy(s => s.Id).ToListAsync();
        return string.Join("\n", rows.Select(s =>
            $"{s.Pack.PackId} {s.Pack.Status} {s.Technician} {s.QcInspector} {s.Remarks} {s.Status} {s.CompletedUtc:O} " +
            string.Join(",", s.Results.OrderBy(r => r.CheckCode).Select(r => $"{r.CheckCode}:{r.ModuleX}/{r.ModuleY}/{r.MeasuredX}/{r.MeasuredY}"))));
    }
}
