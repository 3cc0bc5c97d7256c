using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Quality;

/// <summary>The record cannot say OK where its evidence says NOT OK: through the API on both databases.</summary>
public class QualityRecordApiTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task An_OK_against_an_out_of_limit_value_is_refused_without_a_reason_and_nothing_is_written(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        var client = factory.CreateClient();
        await client.PostAsJsonAsync("/api/packs", new { packId = "BP-DEV-1" });
        await ReachStageTwoAsync(client, "BP-DEV-1");

        var refused = await client.PutAsJsonAsync("/api/packs/BP-DEV-1/stages/2",
            new { results = new[] { new { checkCode = "2.3.1", moduleY = "OK", measuredY = 73.0 } } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("2.3.1", detail);
        Assert.Contains("Module Y", detail);
        Assert.Contains("73 mm", detail);
        Assert.Contains("72.45 to 72.75 mm", detail);
        var stage = await client.GetFromJsonAsync<JsonElement>("/api/packs/BP-DEV-1/stages/2");
        var row = stage.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("checkCode").GetString() == "2.3.1");
        Assert.Equal(JsonValueKind.Null, row.GetProperty("moduleY").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("measuredY").ValueKind);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_deviation_needs_the_QC_inspector_role_and_is_stored_shown_and_printed_as_such(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        var rig = factory.CreateClient();
        await rig.PostAsJsonAsync("/api/packs", new { packId = "BP-DEV-2" });
        await ReachStageTwoAsync(rig, "BP-DEV-2");
        var body = new { results = new[] { new { checkCode = "2.3.1", moduleY = "OK", measuredY = 73.0, deviationY = "Shim fitted, design approved" } } };

        var byOperator = await factory.CreateClientAs(TestPeople.Operator).PutAsJsonAsync("/api/packs/BP-DEV-2/stages/2", body);
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Contains("QC inspector", (await byOperator.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var byRig = await rig.PutAsJsonAsync("/api/packs/BP-DEV-2/stages/2", body);
        Assert.Equal(HttpStatusCode.OK, byRig.StatusCode);
        var row = (await byRig.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().Single(r => r.GetProperty("checkCode").GetString() == "2.3.1");
        Assert.Equal("OK", row.GetProperty("moduleY").GetString());
        Assert.Equal("Shim fitted, design approved", row.GetProperty("deviationY").GetString());

        var history = await rig.GetFromJsonAsync<JsonElement>("/api/packs/BP-DEV-2/history");
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("field").GetString() == "Deviation Y" && h.GetProperty("newValue").GetString() == "Shim fitted, design approved");

        var csv = await rig.GetStringAsync("/api/reports/results.csv?q=BP-DEV-2");
        Assert.Contains("Module Y deviation", csv.Split('\n')[0]);
        Assert.Contains(csv.Split('\n'), line => line.Contains(",2.3.1,") && line.Contains("Shim fitted, design approved"));

        using var form = await rig.GetStreamAsync("/api/packs/BP-DEV-2/report.xlsx");
        using var memory = new MemoryStream();
        await form.CopyToAsync(memory);
        using var workbook = Reports.ReportsTestKit.Open(memory);
        Assert.Contains(workbook.Worksheets.SelectMany(w => w.CellsUsed()), c => c.GetString() == "OK* (73 mm) deviation: Shim fitted, design approved");

        // A new value back inside the limits makes the deviation go: the reason no longer applies.
        var corrected = await rig.PutAsJsonAsync("/api/packs/BP-DEV-2/stages/2", new { results = new[] { new { checkCode = "2.3.1", measuredY = 72.6 } } });
        var after = (await corrected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().Single(r => r.GetProperty("checkCode").GetString() == "2.3.1");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("deviationY").ValueKind);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_check_that_requires_a_value_refuses_OK_without_one_and_names_it(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        var client = factory.CreateClient();
        await client.PostAsJsonAsync("/api/packs", new { packId = "BP-VAL-1" });

        var refused = await client.PutAsJsonAsync("/api/packs/BP-VAL-1/stages/1", new { results = new[] { new { checkCode = "1.1.1", moduleX = "OK" } } });
        var na = await client.PutAsJsonAsync("/api/packs/BP-VAL-1/stages/1", new { results = new[] { new { checkCode = "1.1.1", moduleX = "N/A" } } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("1.1.1", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, na.StatusCode);
        var route = await client.GetFromJsonAsync<JsonElement>("/api/route");
        Assert.True(route.GetProperty("stages")[0].GetProperty("checks")[0].GetProperty("requiresValue").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_pack_ID_differing_only_in_case_is_the_same_pack_everywhere(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        var client = factory.CreateClient();

        var created = await client.PostAsJsonAsync("/api/packs", new { packId = "bp-case-1" });
        var again = await client.PostAsJsonAsync("/api/packs", new { packId = "BP-CASE-1" });
        var third = await client.PostAsJsonAsync("/api/packs", new { packId = "Bp-Case-1" });
        var found = await client.GetFromJsonAsync<JsonElement>("/api/packs/bP-cAsE-1");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("BP-CASE-1", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("packId").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("BP-CASE-1", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        Assert.Equal("BP-CASE-1", found.GetProperty("packId").GetString());
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Packs.CountAsync());
    }

    /// <summary>Stage 1 completed with in-limit values, so stage 2 may be recorded.</summary>
    private static async Task ReachStageTwoAsync(HttpClient client, string packId)
    {
        var route = await client.GetFromJsonAsync<JsonElement>("/api/route");
        var checks = route.GetProperty("stages")[0].GetProperty("checks").EnumerateArray().Select(c =>
        {
            var code = c.GetProperty("code").GetString();
            if (c.GetProperty("limits").ValueKind == JsonValueKind.Null) return (object)new { checkCode = code, moduleX = "OK", moduleY = "OK" };
            var limits = c.GetProperty("limits");
            var mid = (limits.GetProperty("min").GetDouble() + limits.GetProperty("max").GetDouble()) / 2;
            return new { checkCode = code, moduleX = "OK", moduleY = "OK", measuredX = mid, measuredY = mid };
        }).ToArray();
        var saved = await client.PutAsJsonAsync($"/api/packs/{packId}/stages/1", new { results = checks });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
    }
}
