using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Reports;
using ClosedXML.Excel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;

namespace BatteryMes.Tests.Reports;

public class PackFormTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_packs_form_holds_its_title_block_and_each_checks_results_in_the_row_of_its_code(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        await SeedAsync(app);
        var clock = app.GetRequiredService<PlantClock>();
        await using var db = await app.OpenAsync();
        var pack = await db.Packs.Include(p => p.Stages).SingleAsync();
        var stage1 = pack.Stages.Single(s => s.StageNumber == 1);
        var stage7 = pack.Stages.Single(s => s.StageNumber == 7);

        using var file = new MemoryStream();
        var result = await app.GetRequiredService<PackFormWriter>().WriteAsync(PackId, file);

        Assert.Equal(ReportOutcome.Written, result.Outcome);
        Assert.Equal($"{PackId}_process-card_{clock.LocalNow:yyyy-MM-dd}.xlsx", result.FileName);
        using var workbook = Open(file);
        var sheet = Assert.Single(workbook.Worksheets);
        Assert.Equal(pack.PackId, sheet.Cell("J6").GetString());
        Assert.Equal($"Pack : {pack.PackId}  Module : {pack.ModuleXSerial} & {pack.ModuleYSerial}", sheet.Cell("P6").GetString());
        Assert.Equal(clock.LocalNow.ToString("yyyy-MM-dd"), sheet.Cell("H5").GetString());

        Assert.Equal("OK (3.59 V)", Value(sheet, "1.1.1", "Module X QC Result"));
        Assert.Equal("OK (3.595 V)", Value(sheet, "1.1.1", "Module Y QC Result"));
        Assert.Equal("OK (12.1 mOhm)", Value(sheet, "1.1.2", "Module X QC Result"));
        Assert.Equal("N/A", Value(sheet, "1.2.1", "Module Y QC Result"));
        Assert.Equal("", Value(sheet, "1.2.2", "Module X QC Result"));
        Assert.Equal(clock.Format(stage1.StartedUtc), Value(sheet, "1.2.2", "Start date"));
        Assert.Equal("", Value(sheet, "1.2.2", "End date"));
        Assert.Equal(stage1.Technician, Value(sheet, "1.1.1", "Technician Name/sign"));
        Assert.Equal(stage1.QcInspector, Value(sheet, "1.1.1", "QC Name/Sign"));
        // The stage's one remark is printed once, in its first row, as typed: the cell is text, so no apostrophe.
        Assert.Equal(stage1.Remarks, Value(sheet, "1.1.1", "Remarks"));
        Assert.Equal("", Value(sheet, "1.1.2", "Remarks"));
        Assert.Equal("", Value(sheet, "1.2.1", "Remarks"));
        Assert.Equal("", Value(sheet, "2.1.1", "Technician Name/sign"));

        // Pack-level part: one result column, combined; 8.6.1 is not recorded and must not take 8.6.10's result.
        Assert.Equal("OK (1.5 N.m)", Value(sheet, "8.6.10", "Pack QC Result", packLevel: true));
        Assert.Equal("X: OK / Y: N/A", Value(sheet, "8.6.11", "Pack QC Result", packLevel: true));
        Assert.Equal("", Value(sheet, "8.6.1", "Pack QC Result", packLevel: true));
        Assert.Equal(clock.Format(stage7.StartedUtc, "yyyy-MM-dd"), Value(sheet, "8.6.10", "Date", packLevel: true));
        Assert.Equal("+Ravi / QC: @Meena", Value(sheet, "8.6.10", "Name", packLevel: true));
        Assert.Equal("-5 mV drift", Value(sheet, "8.1.1", "Remarks", packLevel: true));
        Assert.Equal("", Value(sheet, "8.6.10", "Remarks", packLevel: true));

        using var template = new XLWorkbook(TemplatePath);
        Assert.Equal(MergesOf(template.Worksheet(1)), MergesOf(sheet));
        Assert.Equal(template.Worksheet(1).PageSetup.PageOrientation, sheet.PageSetup.PageOrientation);
    }

    [Fact]
    public async Task Values_are_written_as_text_and_never_as_formulas()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        await SeedAsync(app);

        using var file = new MemoryStream();
        await app.GetRequiredService<PackFormWriter>().WriteAsync(PackId, file);

        using var workbook = Open(file);
        var sheet = workbook.Worksheet(1);
        var remark = sheet.Cell(RowOf(sheet, "1.1.1"), ColumnOf(sheet, HeaderRows(sheet)[0], "Remarks"));
        Assert.False(remark.HasFormula);
        Assert.Equal(XLDataType.Text, remark.DataType);
        Assert.DoesNotContain(sheet.CellsUsed(), c => c.HasFormula);
    }

    [Fact]
    public async Task Every_check_of_the_route_has_its_row_in_the_projects_template()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        var route = app.GetRequiredService<ProcessRoute>();

        var state = app.GetRequiredService<FormTemplateStore>().Current;

        Assert.Empty(state.Problems);
        using var workbook = new XLWorkbook(TemplatePath);
        var sheet = workbook.Worksheet(1);
        var rows = route.AllChecks.Select(c => RowOf(sheet, c.Code)).ToList();
        Assert.Equal(rows.Order(), rows);
        Assert.Equal(65, rows.Distinct().Count());
        Assert.Equal("", sheet.Cell("J6").GetString());
    }

    [Fact]
    public async Task A_template_with_a_row_inserted_and_columns_moved_still_gets_every_value_in_place()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = ModifiedTemplate(database.Folder, sheet =>
        {
            // Quality adds a row above 2.3.1, a column before the results, and swaps the two name columns.
            sheet.Row(RowOf(sheet, "2.3.1")).InsertRowsAbove(1);
            sheet.Column(12).InsertColumnsBefore(1);
            var header = HeaderRows(sheet)[0];
            var technician = sheet.Cell(header, ColumnOf(sheet, header, "Technician Name/sign"));
            var qc = sheet.Cell(header, ColumnOf(sheet, header, "QC Name/Sign"));
            (technician.Value, qc.Value) = ("QC Name/Sign", "Technician Name/sign");
        });
        await using var app = await StartAsync(database, template);
        await SeedAsync(app);

        using var file = new MemoryStream();
        var result = await app.GetRequiredService<PackFormWriter>().WriteAsync(PackId, file);

        Assert.Equal(ReportOutcome.Written, result.Outcome);
        Assert.Empty(app.GetRequiredService<FormTemplateStore>().Current.Problems);
        using var workbook = Open(file);
        var sheet = workbook.Worksheet(1);
        Assert.Equal(13, ColumnOf(sheet, HeaderRows(sheet)[0], "Module X QC Result"));
        Assert.Equal("OK (3.59 V)", Value(sheet, "1.1.1", "Module X QC Result"));
        Assert.Equal(Technician, Value(sheet, "1.1.1", "Technician Name/sign"));
        Assert.Equal(Inspector, Value(sheet, "1.1.1", "QC Name/Sign"));
        Assert.Equal("X: OK / Y: N/A", Value(sheet, "8.6.11", "Pack QC Result", packLevel: true));
        Assert.Equal(PackId, sheet.Cell("J6").GetString());
        Assert.StartsWith($"Pack : {PackId}", sheet.Cell("Q6").GetString());
        using var original = new XLWorkbook(template);
        Assert.Equal(MergesOf(original.Worksheet(1)), MergesOf(sheet));
    }

    [Fact]
    public async Task A_template_without_a_check_row_refuses_forms_until_acknowledged_and_then_notes_the_check_with_its_result()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = ModifiedTemplate(database.Folder, sheet =>
        {
            sheet.Row(RowOf(sheet, "2.6.3")).Delete();
            var header = HeaderRows(sheet)[0];
            sheet.Cell(header, ColumnOf(sheet, header, "Remarks")).Value = "";
        });
        foreach (var acknowledged in new[] { false, true })
        {
            await using var app = await StartAsync(database, template, acknowledged: acknowledged);
            if (!acknowledged)
            {
                await SeedAsync(app);
                Assert.True((await app.GetRequiredService<Web.Features.DataEntry.PackRecorder>().SaveStageAsync(new Web.Features.DataEntry.StageSave(PackId, 2,
                    [new Web.Features.DataEntry.CheckInput("2.6.3", QcResult.NotOk, QcResult.Ok)]), Person)).Succeeded);
            }
            var state = app.GetRequiredService<FormTemplateStore>().Current;
            using var file = new MemoryStream();
            var result = await app.GetRequiredService<PackFormWriter>().WriteAsync(PackId, file);

            var problem = Assert.Single(state.Problems);
            Assert.StartsWith("Check 2.6.3 (Adhesive coverage for full bond) has no row on the form", problem);
            Assert.Contains(state.Notes, n => n.StartsWith("Header row 7 has no 'Remarks' column", StringComparison.Ordinal) && n.Contains("1.1.1 to 7.1.2"));
            if (!acknowledged)
            {
                Assert.Equal(ReportOutcome.TemplateHidesResults, result.Outcome);
                Assert.Equal(state.Problems, result.Problems);
                Assert.Equal(0, file.Length);
                continue;
            }
            Assert.Equal(ReportOutcome.Written, result.Outcome);
            using var workbook = Open(file);
            var sheet = workbook.Worksheet(1);
            Assert.Equal("Not on this form: 2.6.3 X: NOT OK / Y: OK", sheet.Cell("A1").GetString());
            Assert.Equal("OK (3.59 V)", Value(sheet, "1.1.1", "Module X QC Result"));
            Assert.Equal("-5 mV drift", Value(sheet, "8.1.1", "Remarks", packLevel: true));
        }
    }

    [Fact]
    public async Task A_missing_template_or_a_file_that_is_not_a_workbook_gives_a_clear_message()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var notWorkbook = Path.Combine(database.Folder, "form.xlsx");
        await File.WriteAllTextAsync(notWorkbook, "this is not a workbook");
        await using (var seeding = await StartAsync(database)) await SeedAsync(seeding);

        foreach (var (path, words) in new[] { (Path.Combine(database.Folder, "missing.xlsx"), "was not found"), (notWorkbook, "cannot be read as an .xlsx workbook") })
        {
            await using var app = await StartAsync(database, path);
            using var file = new MemoryStream();
            var result = await app.GetRequiredService<PackFormWriter>().WriteAsync(PackId, file);

            Assert.Equal(ReportOutcome.TemplateUnavailable, result.Outcome);
            Assert.Contains(words, result.Message);
            Assert.Contains(path, result.Message);
            Assert.Equal(0, file.Length);
        }
    }

    [Fact]
    public async Task A_pack_with_no_data_yet_gets_the_form_with_empty_results_and_an_unknown_pack_is_not_found()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        await app.GetRequiredService<Web.Features.DataEntry.PackRecorder>().CreatePackAsync("BP-NEW", null, null, Person);
        var writer = app.GetRequiredService<PackFormWriter>();

        using var file = new MemoryStream();
        var result = await writer.WriteAsync("BP-NEW", file);
        var unknown = await writer.WriteAsync("BP-NOPE", new MemoryStream());

        Assert.Equal(ReportOutcome.Written, result.Outcome);
        using var workbook = Open(file);
        var sheet = workbook.Worksheet(1);
        Assert.Equal("BP-NEW", sheet.Cell("J6").GetString());
        Assert.Equal("Pack : BP-NEW  Module : - & -", sheet.Cell("P6").GetString());
        Assert.All(new[] { "1.1.1", "4.1.1", "7.1.2" }, code => Assert.Equal("", Value(sheet, code, "Module X QC Result")));
        Assert.Equal(ReportOutcome.PackNotFound, unknown.Outcome);
        Assert.Equal("Pack BP-NOPE was not found.", unknown.Message);
    }

    [Fact]
    public async Task With_save_copies_on_the_form_is_also_kept_in_the_excel_reports_folder()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database, saveCopies: true);
        await SeedAsync(app);

        var result = await app.GetRequiredService<PackFormWriter>().WriteAsync(PackId, new MemoryStream());

        var copy = Path.Combine(app.GetRequiredService<ReportCopies>().Folder, result.FileName!);
        Assert.True(File.Exists(copy));
        using var workbook = new XLWorkbook(copy);
        Assert.Equal(PackId, workbook.Worksheet(1).Cell("J6").GetString());
    }

    [Theory]
    [InlineData("8.6.10.Top casing torque check", "8.6.10")]
    [InlineData("8.6.1.Terminal Placement", "8.6.1")]
    [InlineData("2.1.1Proper fitment", "2.1.1")]
    [InlineData("5.2.1. H 78.6 * L 410.3", "5.2.1")]
    [InlineData("  10.4.1 Packing list", "10.4.1")]
    [InlineData("Process/QC checks", null)]
    [InlineData("9.Overall pack", null)]
    public void The_check_code_is_read_from_the_start_of_the_cell_text(string text, string? code) =>
        Assert.Equal(code, FormLayout.CodeAtStart(text));
}
