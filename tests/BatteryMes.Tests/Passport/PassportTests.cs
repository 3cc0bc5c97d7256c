using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Passport;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Passport.PassportTestKit;

namespace BatteryMes.Tests.Passport;

public class PassportTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_completed_pack_gets_its_model_data_modules_cells_end_of_line_values_and_sign_offs(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = App(database);
        using var client = factory.CreateClientAs(TestPeople.Operator);
        await FinishAsync(factory.Services, "BP-PASS-1");
        await FitCellsAsync(factory.Services, "BP-PASS-1", 3);

        using var response = await client.GetAsync("/api/packs/bp-pass-1/passport.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var passport = AssertValid(await response.Content.ReadAsStringAsync());
        Assert.Equal("BP-PASS-1", passport.GetProperty("productIdentifier").GetString());
        var general = passport.GetProperty("generalProductInformation");
        Assert.Equal("BP-7.4-2M", general.GetProperty("modelIdentifier").GetString());
        Assert.Equal("industrial", general.GetProperty("batteryCategory").GetString());
        Assert.Equal("Test Batteries Ltd", general.GetProperty("manufacturerInformation").GetProperty("contactName").GetString());
        Assert.Equal("Plot 7, Industrial Area", general.GetProperty("manufacturingPlace").GetProperty("streetAddress").GetString());
        Assert.Equal(74, passport.GetProperty("batteryTechnicalProperties").GetProperty("ratedCapacity").GetDouble());
        Assert.Equal("LFP", passport.GetProperty("materialComposition").GetProperty("batteryChemistry").GetString());

        await using (var db = await factory.Services.OpenAsync())
        {
            var lastStage = await db.StageRecords.Where(s => s.Pack.PackId == "BP-PASS-1" && s.StageNumber == 8).SingleAsync();
            Assert.Equal(DateTime.SpecifyKind(lastStage.CompletedUtc!.Value, DateTimeKind.Utc), general.GetProperty("manufacturingDate").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        }

        var modules = passport.GetProperty("modules").EnumerateArray().ToList();
        Assert.Equal(["X", "Y"], modules.Select(m => m.GetProperty("side").GetString()));
        Assert.Equal("BP-PASS-1-MX", modules[0].GetProperty("moduleSerial").GetString());
        var cells = modules[0].GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(["BP-PASS-1-X001", "BP-PASS-1-X002", "BP-PASS-1-X003"], cells.Select(c => c.GetProperty("serial").GetString()));
        Assert.Equal("LOT-A", cells[0].GetProperty("lot").GetString());
        Assert.Equal(12.0, cells[0].GetProperty("internalResistanceMilliOhm").GetDouble());

        var route = factory.Services.GetRequiredService<ProcessRoute>();
        var tests = passport.GetProperty("endOfLineTests").EnumerateArray().ToList();
        Assert.Equal(route.Stages.Where(s => s.Number >= 6).Sum(s => s.Checks.Count), tests.Count);
        var weight = tests.Single(t => t.GetProperty("checkCode").GetString() == "6.1.1");
        Assert.Equal(16.5, weight.GetProperty("limits").GetProperty("min").GetDouble());
        Assert.Equal("kg", weight.GetProperty("limits").GetProperty("unit").GetString());
        Assert.Equal("OK", weight.GetProperty("moduleX").GetProperty("result").GetString());
        Assert.Equal(17.0, weight.GetProperty("moduleX").GetProperty("measuredValue").GetDouble());
        Assert.Contains(tests, t => t.GetProperty("checkCode").GetString() == "8.7.1");

        var signOffs = passport.GetProperty("stageSignOffs").EnumerateArray().ToList();
        Assert.Equal(8, signOffs.Count);
        Assert.All(signOffs, s => Assert.Equal("Completed (QC OK)", s.GetProperty("status").GetString()));
        Assert.All(signOffs, s => Assert.Equal("Asha", s.GetProperty("qcInspector").GetString()));
        Assert.All(signOffs, s => Assert.NotEqual(JsonValueKind.Null, s.GetProperty("completedUtc").ValueKind));

        var readiness = passport.GetProperty("readiness");
        Assert.True(readiness.GetProperty("readyForDispatch").GetBoolean());
        Assert.Empty(readiness.GetProperty("reasons").EnumerateArray());
        Assert.Empty(passport.GetProperty("missingData").EnumerateArray());
        Assert.Empty(passport.GetProperty("deviations").EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_deviation_is_listed_with_its_reason_and_keeps_the_pack_from_being_ready_while_its_stage_is_open(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = App(database);
        using var client = factory.CreateClient();
        var recorder = factory.Services.GetRequiredService<PackRecorder>();
        var route = factory.Services.GetRequiredService<ProcessRoute>();
        await DashboardTestData.CreateAsync(recorder, "BP-DEV-1");
        for (var stage = 1; stage <= 5; stage++) await DashboardTestData.CompleteStageAsync(recorder, route, "BP-DEV-1", stage);
        var inputs = TestChecks.Passing(route.GetStage(6));
        inputs[inputs.FindIndex(c => c.CheckCode == "6.1.1")] = new CheckInput("6.1.1", QcResult.Ok, QcResult.Ok, 17.8, 17.0, DeviationX: "Extra potting on terminal side, approved by design");
        var saved = await recorder.SaveStageAsync(new StageSave("BP-DEV-1", 6, inputs), Inspector);
        Assert.True(saved.Succeeded, saved.Message);

        var open = AssertValid(await client.GetStringAsync("/api/packs/BP-DEV-1/passport.json"));

        var deviation = Assert.Single(open.GetProperty("deviations").EnumerateArray());
        Assert.Equal("6.1.1", deviation.GetProperty("checkCode").GetString());
        Assert.Equal("X", deviation.GetProperty("module").GetString());
        Assert.Equal(17.8, deviation.GetProperty("measuredValue").GetDouble());
        Assert.Equal("Extra potting on terminal side, approved by design", deviation.GetProperty("reason").GetString());
        Assert.False(deviation.GetProperty("signedOff").GetBoolean());
        var weight = open.GetProperty("endOfLineTests").EnumerateArray().Single(t => t.GetProperty("checkCode").GetString() == "6.1.1");
        Assert.Equal("Extra potting on terminal side, approved by design", weight.GetProperty("moduleX").GetProperty("deviationReason").GetString());
        var readiness = open.GetProperty("readiness");
        Assert.False(readiness.GetProperty("readyForDispatch").GetBoolean());
        var reasons = readiness.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Contains(reasons, r => r.StartsWith("Open deviation: check 6.1.1, Module X", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("Not ready for dispatch", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Null, open.GetProperty("generalProductInformation").GetProperty("manufacturingDate").ValueKind);

        var completed = await recorder.CompleteStageAsync("BP-DEV-1", 6, Inspector);
        Assert.True(completed.Succeeded, completed.Message);
        var signed = AssertValid(await client.GetStringAsync("/api/packs/BP-DEV-1/passport.json"));
        Assert.True(Assert.Single(signed.GetProperty("deviations").EnumerateArray()).GetProperty("signedOff").GetBoolean());
        Assert.DoesNotContain(signed.GetProperty("readiness").GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("Open deviation", StringComparison.Ordinal));
        var stage6 = signed.GetProperty("stageSignOffs").EnumerateArray().Single(s => s.GetProperty("stageNumber").GetInt32() == 6);
        Assert.Equal("Ivan Inspector", stage6.GetProperty("qcInspector").GetString());
        Assert.Equal("ivan", stage6.GetProperty("signedOffBy").GetString());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_finished_pack_on_hold_is_not_ready_and_says_why(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = App(database);
        using var client = factory.CreateClient();
        await FinishAsync(factory.Services, "BP-HOLD-1");
        await using (var db = await factory.Services.OpenAsync())
            await db.Packs.Where(p => p.PackId == "BP-HOLD-1").ExecuteUpdateAsync(s => s
                .SetProperty(p => p.HoldReason, "Recall of cell lot LOT-7").SetProperty(p => p.HeldUtc, DateTime.UtcNow).SetProperty(p => p.HeldBy, "Sven Supervisor"));

        var passport = AssertValid(await client.GetStringAsync("/api/packs/BP-HOLD-1/passport.json"));

        var readiness = passport.GetProperty("readiness");
        Assert.Equal("Ready for dispatch", readiness.GetProperty("status").GetString());
        Assert.False(readiness.GetProperty("readyForDispatch").GetBoolean());
        Assert.True(readiness.GetProperty("onHold").GetBoolean());
        Assert.Equal("Recall of cell lot LOT-7", readiness.GetProperty("holdReason").GetString());
        Assert.Equal(["On hold: Recall of cell lot LOT-7"], readiness.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Model_data_the_plant_has_not_filled_in_is_listed_as_missing_and_not_invented(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "templates", "pack-model.json"));
        var partial = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(FullModel)!;
        partial["ratedEnergyKWh"] = JsonDocument.Parse("null").RootElement;
        partial.Remove("batteryChemistry");
        await using var factory = App(database, JsonSerializer.Serialize(partial));
        using var client = factory.CreateClient();
        await DashboardTestData.CreateAsync(factory.Services.GetRequiredService<PackRecorder>(), "BP-NEW-1");

        var passport = AssertValid(await client.GetStringAsync("/api/packs/BP-NEW-1/passport.json"));

        Assert.Equal(["batteryChemistry", "ratedEnergy"], passport.GetProperty("missingData").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(JsonValueKind.Null, passport.GetProperty("batteryTechnicalProperties").GetProperty("ratedEnergy").ValueKind);
        Assert.Equal(JsonValueKind.Null, passport.GetProperty("materialComposition").GetProperty("batteryChemistry").ValueKind);
        Assert.All(passport.GetProperty("modules").EnumerateArray(), m => Assert.Empty(m.GetProperty("cells").EnumerateArray()));

        // The shipped model file is all nulls: every field is listed, and the export still matches the schema.
        var blank = PackModelStore.Load(WriteModel(database, shipped, "shipped.json"));
        Assert.Contains("ratedCapacity", blank.MissingData());
        Assert.Contains("manufacturingPlace.streetAddress", blank.MissingData());
        Assert.Null(blank.RatedCapacityAh);
    }

    [Theory]
    [InlineData("""{ "ratedCapacityAh": "seventy" }""", "ratedCapacityAh")]
    [InlineData("""{ "ratedCapacity": 74 }""", "ratedCapacity")]
    [InlineData("""{ "batteryCategory": "car" }""", "'batteryCategory' must be one of lmt, ev, industrial, stationary")]
    [InlineData("""{ "nominalVoltageV": 100, "minimumVoltageV": 120 }""", "'minimumVoltageV' (120) must be below 'nominalVoltageV' (100)")]
    [InlineData("""{ "batteryMassKg": -3 }""", "'batteryMassKg' must be a number above 0")]
    public async Task A_wrong_model_file_stops_start_up_with_a_message_naming_the_field(string json, string expected)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var path = WriteModel(database, json);
        await using var services = database.BuildServices(s => s.Configure<PassportOptions>(o => o.ModelFile = path));

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PassportOptions>>().Value);

        var message = string.Join(" ", error.Failures);
        Assert.Contains(PassportOptions.Section + ":ModelFile", message);
        Assert.Contains(path, message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task An_unknown_pack_gets_404_and_a_visitor_who_is_not_signed_in_gets_401()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = App(database);
        await FinishAsync(factory.Services, "BP-PASS-2");
        using var client = factory.CreateClient();
        using var anonymous = factory.CreateClientAs(null);

        using var unknown = await client.GetAsync("/api/packs/BP-NOPE/passport.json");
        using var noSignIn = await anonymous.GetAsync("/api/packs/BP-PASS-2/passport.json");
        using var schema = await anonymous.GetAsync("/api/schemas/passport.json");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("Pack BP-NOPE was not found.", (await unknown.Content.ReadFromJsonAsync<ProblemDetails>())?.Detail);
        Assert.Equal(HttpStatusCode.Unauthorized, noSignIn.StatusCode);
        Assert.DoesNotContain("BP-PASS-2", await noSignIn.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, schema.StatusCode);
        Assert.Equal("application/schema+json", schema.Content.Headers.ContentType?.MediaType);
        using var published = JsonDocument.Parse(await schema.Content.ReadAsStringAsync());
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", published.RootElement.GetProperty("$schema").GetString());
    }
}
