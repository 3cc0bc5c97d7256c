using System.Text.Json;
using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Json.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Passport;

/// <summary>Packs, cells and model files for the passport tests, and the check of every export against the published schema.</summary>
internal static class PassportTestKit
{
    public static readonly Actor Inspector = new("Ivan Inspector", "127.0.0.1", "ivan", [Role.QcInspector]);

    /// <summary>A model file with every field filled in.</summary>
    public const string FullModel = """
        {
          "$comment": { "about": "test model" },
          "modelIdentifier": "BP-7.4-2M",
          "manufacturerInformation": {
            "contactName": "Test Batteries Ltd",
            "postalAddress": { "streetAddress": "1 Cell Road", "postalCode": "560001", "addressLocality": "Bengaluru", "addressCountry": "IN" },
            "identifier": "GLN 1234567890123"
          },
          "manufacturingPlace": { "streetAddress": "Plot 7, Industrial Area", "postalCode": "560058", "addressLocality": "Bengaluru", "addressCountry": "IN", "facilityIdentifier": "GLN 1234567890999" },
          "batteryCategory": "industrial",
          "batteryChemistry": "LFP",
          "ratedCapacityAh": 74,
          "nominalVoltageV": 99.2,
          "minimumVoltageV": 80,
          "maximumVoltageV": 113.5,
          "ratedEnergyKWh": 7.4,
          "batteryMassKg": 38,
          "expectedLifetimeYears": 10,
          "expectedNumberOfCycles": 3000
        }
        """;

    public static string WriteModel(TestDatabase database, string json, string name = "pack-model.json")
    {
        var path = Path.Combine(database.Folder, name);
        File.WriteAllText(path, json);
        return path;
    }

    public static MesAppFactory App(TestDatabase database, string? modelJson = FullModel, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? new Dictionary<string, string?>());
        if (modelJson is not null) settings["BatteryMes:Passport:ModelFile"] = WriteModel(database, modelJson);
        return new MesAppFactory(database, settings);
    }

    /// <summary>A pack with every stage completed (Ready for Dispatch).</summary>
    public static Task FinishAsync(IServiceProvider app, string packId) =>
        DashboardTestData.FinishPackAsync(app.GetRequiredService<PackRecorder>(), app.GetRequiredService<ProcessRoute>(), packId);

    /// <summary>Two modules of <paramref name="cellsPerModule"/> cells each, fitted into the pack as the scan-in does.</summary>
    public static async Task FitCellsAsync(IServiceProvider app, string packId, int cellsPerModule, string lot = "LOT-A")
    {
        await using var db = await app.OpenAsync();
        var pack = db.Packs.Single(p => p.PackId == packId);
        var now = DateTime.UtcNow;
        foreach (var side in new[] { Module.X, Module.Y })
        {
            var module = new Component { Kind = ComponentKind.Module, Serial = $"{packId}-M{side}", CreatedUtc = now, UpdatedUtc = now };
            db.ComponentLinks.Add(new ComponentLink { Component = module, PackRowId = pack.Id, Side = side, StageNumber = 7, LinkedUtc = now, LinkedBy = "Asha" });
            for (var i = 1; i <= cellsPerModule; i++)
            {
                var cell = new Component
                {
                    Kind = ComponentKind.Cell, Serial = $"{packId}-{side}{i:000}", Lot = lot, CapacityAh = 6.1 + i / 1000.0, VoltageV = 3.59,
                    ResistanceMilliOhm = 12.0, Source = "import: supplier.csv", CreatedUtc = now, UpdatedUtc = now,
                };
                db.ComponentLinks.Add(new ComponentLink { Component = cell, PackRowId = pack.Id, Side = side, Position = i, StageNumber = 1, LinkedUtc = now, LinkedBy = "Asha" });
            }
        }
        await db.SaveChangesAsync();
    }

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(BatteryMes.Web.Features.Passport.PassportFeature.SchemaText()));

    /// <summary>Asserts that the exported text is valid against the published schema, listing every failure otherwise.</summary>
    public static JsonElement AssertValid(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement.Clone();
        var results = Schema.Value.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var failures = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}")).ToList();
        Assert.True(results.IsValid, "The passport does not match its schema:\n" + string.Join("\n", failures));
        return root;
    }
}
