using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Reports;
using ClosedXML.Excel;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;

namespace BatteryMes.Tests.Reports;

/// <summary>The plant's own form P-BDT-FR-04A, unmodified, as the template: exported through the app's endpoint and
/// read back with ClosedXML. Where a check sits on the form is taken from the sheet's own text, not from the app.</summary>
public class PlantFormTests
{
    /// <summary>The checks the plant's form shows on a row of another code, as printed on the form.</summary>
    private static readonly Dictionary<string, string> SharedRows = new()
    {
        ["1.1.2"] = "1.1.1",
        ["6.1.2"] = "6.1.1", ["6.1.3"] = "6.1.1", ["6.1.4"] = "6.1.1", ["6.1.5"] = "6.1.1",
        ["7.1.2"] = "7.1.1",
        ["9.1.1"] = "9.", ["9.1.2"] = "9.",
        ["10.1.1"] = "10.1.", ["10.2.1"] = "10.2.", ["10.3.1"] = "10.3.", ["10.4.1"] = "10.4.",
    };

    private static MesAppFactory PlantFormApp(TestDatabase database, bool acknowledged = false, string? template = null) => new(database, new Dictionary<string, string?>
    {
        ["BatteryMes:Reports:TemplateFile"] = template ?? PlantFormPath,
        ["BatteryMes:Reports:AcknowledgedTemplateProblems"] = acknowledged ? "true" : "false",
    });

    private static async Task<XLWorkbook> DownloadAsync(HttpClient client, string packId)
    {
        using var response = await client.GetAsync($"/api/packs/{packId}/report.xlsx");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Open(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
    }

    /// <summary>A value that passes the check's limits, or one that fails them.</summary>
    private static double? Measured(QcCheck check, bool pass) => check.Limits switch
    {
        null => null,
        { Min: { } lo, Max: { } hi } => pass ? (lo + hi) / 2 : hi + (hi - lo),
        { Min: { } lo } => pass ? lo * 2 : lo / 2,
        { Max: { } hi } => pass ? hi / 2 : hi * 2,
        _ => null,
    };

    /// <summary>Saves one stage with every check OK on both modules (in-limit values), except the checks in
    /// <paramref name="notOkOnY"/>, which are NOT OK on Module Y with an out-of-limit value.</summary>
    private static async Task SaveStageAsync(IServiceProvider services, string packId, RouteStage stage, ICollection<string> notOkOnY)
    {
        var inputs = stage.Checks.Select(c => notOkOnY.Contains(c.Code)
            ? new CheckInput(c.Code, QcResult.Ok, QcResult.NotOk, Measured(c, true), Measured(c, false))
            : new CheckInput(c.Code, QcResult.Ok, QcResult.Ok, Measured(c, true), Measured(c, true))).ToList();
        var saved = await services.GetRequiredService<PackRecorder>().SaveStageAsync(new StageSave(packId, stage.Number, inputs), Person);
        Assert.True(saved.Succeeded, saved.Message);
    }

    /// <summary>The cell that shows a check's Module Y result: the Module Y column above the pack-level header, the
    /// one "Pack QC Result" column below it (the packaging rows' "Result" column is the same column on this form).</summary>
    private static IXLCell ResultCellOf(IXLWorksheet sheet, string code)
    {
        var row = RowStartingWith(sheet, SharedRows.GetValueOrDefault(code, code));
        var headers = HeaderRows(sheet);
        return row < headers[1]
            ? sheet.Cell(row, ColumnOf(sheet, headers[0], "Module Y QC Result"))
            : sheet.Cell(row, ColumnOf(sheet, headers[1], "Pack QC Result"));
    }

    [Fact]
    public void The_repository_holds_the_plants_form_unmodified_with_its_sample_values()
    {
        using var workbook = new XLWorkbook(new MemoryStream(FormTemplate.RepairFills(File.ReadAllBytes(PlantFormPath))));
        var sheet = workbook.Worksheet(1);

        Assert.Equal("Doc.No: P-BDT-FR-04A", sheet.Cell("O2").GetString());
        Assert.Equal("Test-006", sheet.Cell("J6").GetString());
        Assert.Equal("Pack QC Result", sheet.Cell("L39").GetString());
    }

    [Fact]
    public async Task Every_route_check_is_placed_on_the_plants_unmodified_form_with_no_problem()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database, PlantFormPath);
        var route = app.GetRequiredService<ProcessRoute>();

        var state = app.GetRequiredService<FormTemplateStore>().Current;

        Assert.NotNull(state.Template);
        Assert.Empty(state.Problems);
        var layout = state.Template!.Layout;
        Assert.Empty(layout.Unplaced);
        Assert.Equal(route.AllChecks.Select(c => c.Code), layout.Rows.Keys.Order(Comparer<string>.Create(CompareCodes)));
        using var workbook = new XLWorkbook(new MemoryStream(FormTemplate.RepairFills(File.ReadAllBytes(PlantFormPath))));
        var sheet = workbook.Worksheet(1);
        foreach (var check in route.AllChecks)
            Assert.Equal(RowStartingWith(sheet, SharedRows.GetValueOrDefault(check.Code, check.Code)), layout.Rows[check.Code].Row);
    }

    private static int CompareCodes(string a, string b)
    {
        var (x, y) = (a.Split('.').Select(int.Parse).ToArray(), b.Split('.').Select(int.Parse).ToArray());
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            if (x[i] != y[i]) return x[i].CompareTo(y[i]);
        return x.Length.CompareTo(y.Length);
    }

    [Fact]
    public async Task A_not_ok_on_any_route_check_shows_as_not_ok_on_its_row_of_the_plants_form_and_nowhere_else()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = PlantFormApp(database);
        using var client = factory.CreateClient();
        var route = factory.Services.GetRequiredService<ProcessRoute>();
        var checks = route.AllChecks.ToList();
        Assert.Equal(65, checks.Count);

        for (var i = 0; i < checks.Count; i++)
        {
            var check = checks[i];
            var packId = $"BP-NOK-{i:00}";
            Assert.True((await factory.Services.GetRequiredService<PackRecorder>().CreatePackAsync(packId, "MX", "MY", Person)).Succeeded);
            await SaveStageAsync(factory.Services, packId, route.StageOfCheck(check.Code)!, [check.Code]);

            using var workbook = await DownloadAsync(client, packId);
            var sheet = workbook.Worksheet(1);
            var cell = ResultCellOf(sheet, check.Code);
            var text = cell.GetString();
            Assert.True(text.StartsWith("NOT OK", StringComparison.Ordinal) || text.Contains("Y: NOT OK", StringComparison.Ordinal),
                $"Check {check.Code}: its result cell {cell.Address} reads '{text}'");
            // A row that carries several checks names each, so the NOT OK is tied to its check.
            var rowCode = SharedRows.GetValueOrDefault(check.Code, check.Code);
            if (checks.Count(c => SharedRows.GetValueOrDefault(c.Code, c.Code) == rowCode) > 1)
                Assert.Contains($"{check.Code} ", text);
            var elsewhere = sheet.CellsUsed().Where(c => c.GetString().Contains("NOT OK", StringComparison.Ordinal) && !c.Address.Equals(cell.Address)).Select(c => c.Address.ToString()).ToList();
            Assert.True(elsewhere.Count == 0, $"Check {check.Code}: NOT OK also in {string.Join(", ", elsewhere)}");
        }
    }

    [Fact]
    public async Task Ir_continuity_and_isolation_not_ok_are_on_the_shared_rows_of_the_plants_form_with_each_checks_value()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = PlantFormApp(database);
        using var client = factory.CreateClient();
        var route = factory.Services.GetRequiredService<ProcessRoute>();
        var recorder = factory.Services.GetRequiredService<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync("BP-2026-0017", "MX-17", "MY-17", Person)).Succeeded);
        // Stage 6 first: a NOT OK in stage 1 stops later stages from being recorded.
        await SaveStageAsync(factory.Services, "BP-2026-0017", route.GetStage(6), ["6.1.3", "7.1.2"]);
        Assert.True((await recorder.SaveStageAsync(new StageSave("BP-2026-0017", 1,
            [new CheckInput("1.1.1", QcResult.Ok, QcResult.Ok, 3.59, 3.59), new CheckInput("1.1.2", QcResult.NotOk, QcResult.Ok, 13.9, 12)], "+2 cells replaced"), Person)).Succeeded);

        using var workbook = await DownloadAsync(client, "BP-2026-0017");
        var sheet = workbook.Worksheet(1);

        var voltageAndIr = RowStartingWith(sheet, "1.1.1");
        Assert.Equal("NOT OK: 1.1.1 OK (3.59 V); 1.1.2 NOT OK (13.9 mOhm)", sheet.Cell(voltageAndIr, ColumnOf(sheet, HeaderRows(sheet)[0], "Module X QC Result")).GetString());
        Assert.Equal("OK: 1.1.1 OK (3.59 V); 1.1.2 OK (12 mOhm)", sheet.Cell(voltageAndIr, ColumnOf(sheet, HeaderRows(sheet)[0], "Module Y QC Result")).GetString());
        Assert.Equal("NOT OK: 6.1.1 OK (17 kg); 6.1.2 OK (125 mV); 6.1.3 NOT OK; 6.1.4 OK (78.6 mm); 6.1.5 OK", ResultCellOf(sheet, "6.1.3").GetString());
        Assert.Equal("NOT OK: 7.1.1 OK; 7.1.2 NOT OK (5 MOhm)", ResultCellOf(sheet, "7.1.2").GetString());
        Assert.Equal("BP-2026-0017", sheet.Cell("J6").GetString());
        // The stage's remark once, in the stage's first row, as typed (no apostrophe: the cell is text).
        var remarks = ColumnOf(sheet, HeaderRows(sheet)[0], "Remarks");
        Assert.Equal("+2 cells replaced", sheet.Cell(voltageAndIr, remarks).GetString());
        Assert.Equal(XLDataType.Text, sheet.Cell(voltageAndIr, remarks).DataType);
        Assert.Equal("", sheet.Cell(RowStartingWith(sheet, "1.2.1"), remarks).GetString());
        Assert.DoesNotContain(sheet.CellsUsed(), c => c.GetString().StartsWith(FormCellText.NotOnFormLead, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_forms_sample_values_are_not_printed_as_a_packs_results()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        // The plant's form with sample results left in its result, name and remark cells.
        var template = ModifiedTemplate(database.Folder, sheet =>
        {
            sheet.Cell("L8").Value = "OK (3.59 V)";
            sheet.Cell("M8").Value = "OK";
            sheet.Cell("P8").Value = "Sample technician";
            sheet.Cell("R9").Value = "sample remark";
            sheet.Cell("L40").Value = "OK";
            sheet.Cell("L64").Value = "OK";
        }, PlantFormPath);
        await using var factory = PlantFormApp(database, template: template);
        using var client = factory.CreateClient();
        Assert.True((await factory.Services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-EMPTY", null, null, Person)).Succeeded);

        using var workbook = await DownloadAsync(client, "BP-EMPTY");
        var sheet = workbook.Worksheet(1);

        Assert.All(new[] { "L8", "M8", "P8", "R9", "L40", "L64" }, address => Assert.Equal("", sheet.Cell(address).GetString()));
        Assert.Equal("BP-EMPTY", sheet.Cell("J6").GetString());
        Assert.Equal("Pack : BP-EMPTY  Module : - & -", sheet.Cell("P6").GetString());
        Assert.DoesNotContain(sheet.CellsUsed(), c => c.GetString() is "Test-006" or "Pack : XX Module : XX&XX");
    }

    [Fact]
    public async Task An_instruction_sheet_before_the_form_is_left_alone_and_the_form_sheet_is_filled()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = ModifiedWorkbook(database.Folder, workbook =>
        {
            var instructions = workbook.Worksheets.Add("How to fill", 1);
            instructions.Cell("A1").Value = "Fill one card per pack. Results: OK / NOT OK.";
        }, PlantFormPath);
        await using var factory = PlantFormApp(database, template: template);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);

        using var workbook = await DownloadAsync(client, PackId);

        Assert.Equal(["How to fill", "sample"], workbook.Worksheets.Select(w => w.Name));
        Assert.Equal("Fill one card per pack. Results: OK / NOT OK.", workbook.Worksheet("How to fill").Cell("A1").GetString());
        var sheet = workbook.Worksheet("sample");
        Assert.Equal(PackId, sheet.Cell("J6").GetString());
        Assert.Equal("OK: 1.1.1 OK (3.59 V); 1.1.2 OK (12.1 mOhm)", sheet.Cell(RowStartingWith(sheet, "1.1.1"), ColumnOf(sheet, HeaderRows(sheet)[0], "Module X QC Result")).GetString());
    }

    [Fact]
    public async Task A_workbook_without_a_form_sheet_is_refused_with_503_naming_its_sheets()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = Path.Combine(database.Folder, "instructions-only.xlsx");
        using (var workbook = new XLWorkbook())
        {
            workbook.Worksheets.Add("How to fill").Cell("A1").Value = "Fill one card per pack.";
            workbook.SaveAs(template);
        }
        await using var factory = PlantFormApp(database, template: template);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);

        using var response = await client.GetAsync($"/api/packs/{PackId}/report.xlsx");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("has no form sheet", problem.GetProperty("detail").GetString());
        Assert.Contains("'How to fill'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Header_wordings_of_the_plant_are_recognised_whatever_the_case_spacing_and_result_words()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = ModifiedTemplate(database.Folder, sheet =>
        {
            sheet.Cell("L39").Value = "Pack QC Result (OK/NOT OK)";
            sheet.Cell("L7").Value = "MODULE X  QC RESULT - OK / Not OK";
            sheet.Cell("M7").Value = "Module-Y QC result (OK / NOK)";
            sheet.Cell("P7").Value = "Technician name / Sign";
            sheet.Cell("E7").Value = "Process / QC Checks";
        }, PlantFormPath);
        await using var factory = PlantFormApp(database, template: template);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);

        using var workbook = await DownloadAsync(client, PackId);
        var sheet = workbook.Worksheet(1);

        Assert.Empty(factory.Services.GetRequiredService<FormTemplateStore>().Current.Problems);
        Assert.Equal("OK (1.5 N.m)", sheet.Cell(RowStartingWith(sheet, "8.6.10"), 12).GetString());
        Assert.Equal("X: OK / Y: N/A", sheet.Cell(RowStartingWith(sheet, "8.6.11"), 12).GetString());
        Assert.Equal("OK: 1.1.1 OK (3.595 V); 1.1.2 OK (12 mOhm)", sheet.Cell(RowStartingWith(sheet, "1.1.1"), 13).GetString());
        Assert.Equal(Technician, sheet.Cell(RowStartingWith(sheet, "1.1.1"), 16).GetString());
    }

    [Fact]
    public async Task A_renamed_pack_result_header_stops_the_download_with_503_and_the_list_of_problems()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = ModifiedTemplate(database.Folder, sheet => sheet.Cell("L39").Value = "Outcome", PlantFormPath);
        await using var factory = PlantFormApp(database, template: template);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);

        using var response = await client.GetAsync($"/api/packs/{PackId}/report.xlsx");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The Excel form template would hide results", problem.GetProperty("title").GetString());
        Assert.Contains("AcknowledgedTemplateProblems", problem.GetProperty("detail").GetString());
        var problems = problem.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        var hidden = Assert.Single(problems);
        Assert.Contains("8.1.1, 8.2.1", hidden);
        Assert.Contains("9.1.1, 9.1.2", hidden);
        Assert.Contains("header row 39 has no result column", hidden);
    }

    [Fact]
    public async Task With_the_problems_acknowledged_the_form_is_made_and_its_top_note_lists_the_hidden_checks_with_their_results()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = ModifiedTemplate(database.Folder, sheet => sheet.Cell("L39").Value = "Outcome", PlantFormPath);
        await using var factory = PlantFormApp(database, acknowledged: true, template: template);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);

        using var workbook = await DownloadAsync(client, PackId);
        var sheet = workbook.Worksheet(1);

        var note = sheet.Cell("A1").GetString();
        Assert.StartsWith("Not on this form: 8.1.1 not recorded; ", note);
        Assert.Contains("; 8.6.10 OK (1.5 N.m); 8.6.11 X: OK / Y: N/A; ", note);
        Assert.EndsWith("; 9.1.2 not recorded", note);
        Assert.DoesNotContain("10.1.1", note);
        Assert.Equal("OK: 1.1.1 OK (3.59 V); 1.1.2 OK (12.1 mOhm)", sheet.Cell("L8").GetString());
    }

    [Fact]
    public async Task The_master_workbook_made_from_the_plants_form_shows_the_shared_rows_on_every_pack_sheet()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = PlantFormApp(database);
        using var client = factory.CreateClient();
        var route = factory.Services.GetRequiredService<ProcessRoute>();
        foreach (var packId in new[] { "BP-M-1", "BP-M-2" })
        {
            Assert.True((await factory.Services.GetRequiredService<PackRecorder>().CreatePackAsync(packId, null, null, Person)).Succeeded);
            await SaveStageAsync(factory.Services, packId, route.GetStage(6), packId == "BP-M-2" ? ["7.1.2"] : []);
        }

        using var response = await client.GetAsync("/api/reports/master.xlsx");
        using var workbook = Open(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));

        Assert.Equal(["Summary", "BP-M-1", "BP-M-2"], workbook.Worksheets.Select(w => w.Name));
        Assert.Equal("OK: 7.1.1 OK; 7.1.2 OK (20 MOhm)", ResultCellOf(workbook.Worksheet("BP-M-1"), "7.1.2").GetString());
        Assert.Equal("NOT OK: 7.1.1 OK; 7.1.2 NOT OK (5 MOhm)", ResultCellOf(workbook.Worksheet("BP-M-2"), "7.1.2").GetString());
        Assert.Equal("BP-M-2", workbook.Worksheet("BP-M-2").Cell("J6").GetString());
    }
}
