using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Reports;
using ClosedXML.Excel;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;

namespace BatteryMes.Tests.Reports;

/// <summary>The master's pack sheets are written as XML from the template sheet (not copied by ClosedXML), so each
/// one is checked as Excel would read it: title block, check rows found by code and header, merges and print titles.</summary>
public class MasterPackSheetsTests
{
    [Fact]
    public async Task Every_pack_sheet_of_a_master_holds_its_own_title_block_and_check_rows_with_the_forms_merges()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        var recorder = app.GetRequiredService<PackRecorder>();
        var ids = Enumerable.Range(1, 6).Select(i => $"BP-77-{i:000}").ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.True((await recorder.CreatePackAsync(ids[i], $"MX-{i}", $"MY-{i}", Person)).Succeeded);
            Assert.True((await recorder.SaveStageAsync(new StageSave(ids[i], 1,
            [
                // 1.1.1 requires a value (3.58 V to 3.6 V): X OK in limits, a different value per pack; Y NOT OK out of limits or OK in limits.
                new CheckInput("1.1.1", QcResult.Ok, i % 2 == 0 ? QcResult.NotOk : QcResult.Ok, ModuleX(i), i % 2 == 0 ? 3.7 : 3.59),
                new CheckInput("1.2.1", QcResult.Ok, QcResult.NotApplicable),
            ], $"remark <{i}> & more"), new Actor($"Tech {i}", "10.0.0.7", $"tech{i}"))).Succeeded);
            await SetInspectorAsync(app, ids[i], 1, $"=QC {i}");
        }

        using var file = new MemoryStream();
        var result = await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(PackFilter.All, file);

        Assert.Equal(ids.Count, result.PackSheets);
        using var workbook = Open(file);
        using var template = new XLWorkbook(TemplatePath);
        var form = template.Worksheet(1);
        Assert.Equal(["Summary", .. ids], workbook.Worksheets.Select(w => w.Name));
        for (var i = 0; i < ids.Count; i++)
        {
            var sheet = workbook.Worksheet(ids[i]);
            Assert.Equal(ids[i], sheet.Cell("J6").GetString());
            Assert.Contains($"MX-{i} & MY-{i}", sheet.CellsUsed().Select(c => c.GetString()).Single(t => t.StartsWith("Pack : ", StringComparison.Ordinal)));
            Assert.Equal($"OK ({ModuleX(i):0.###} V)", Value(sheet, "1.1.1", "Module X QC Result"));
            Assert.Equal(i % 2 == 0 ? "NOT OK (3.7 V)" : "OK (3.59 V)", Value(sheet, "1.1.1", "Module Y QC Result"));
            Assert.Equal("N/A", Value(sheet, "1.2.1", "Module Y QC Result"));
            Assert.Equal($"Tech {i}", Value(sheet, "1.2.1", "Technician Name/sign"));
            Assert.Equal($"=QC {i}", Value(sheet, "1.1.1", "QC Name/Sign"));
            Assert.False(sheet.Cell(RowOf(sheet, "1.1.1"), ColumnOf(sheet, HeaderRows(sheet)[0], "QC Name/Sign")).HasFormula);
            Assert.Equal($"remark <{i}> & more", Value(sheet, "1.1.1", "Remarks"));
            Assert.Equal("", Value(sheet, "2.1.1", "Module X QC Result"));
            Assert.Equal(MergesOf(form), MergesOf(sheet));
            Assert.Equal(form.Column(1).Width, sheet.Column(1).Width);
            Assert.Equal(form.PageSetup.FirstRowToRepeatAtTop, sheet.PageSetup.FirstRowToRepeatAtTop);
            Assert.Equal(form.PageSetup.LastRowToRepeatAtTop, sheet.PageSetup.LastRowToRepeatAtTop);
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Each_pack_sheet_of_the_master_shows_the_same_cells_merges_and_widths_as_the_packs_own_form(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database, saveCopies: true);
        await SeedAsync(app, "BP-1");
        await SeedAsync(app, "BP-2");
        await app.GetRequiredService<PackRecorder>().CreatePackAsync("BP-3", "MX-3", null, Person);

        using var master = new MemoryStream();
        var result = await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(PackFilter.All, master);

        Assert.Equal(3, result.PackSheets);
        using var workbook = Open(master);
        foreach (var packId in new[] { "BP-1", "BP-2", "BP-3" })
        {
            using var single = new MemoryStream();
            Assert.Equal(ReportOutcome.Written, (await app.GetRequiredService<PackFormWriter>().WriteAsync(packId, single)).Outcome);
            using var own = Open(single);
            var form = own.Worksheet(1);
            var sheet = workbook.Worksheet(packId);
            Assert.Equal(Cells(form), Cells(sheet));
            Assert.NotEmpty(Cells(sheet).Where(c => c.Text.StartsWith("Pack : " + packId, StringComparison.Ordinal)));
            Assert.Equal(MergesOf(form), MergesOf(sheet));
            Assert.Equal(Enumerable.Range(1, 20).Select(c => form.Column(c).Width), Enumerable.Range(1, 20).Select(c => sheet.Column(c).Width));
            Assert.Equal(form.PageSetup.PrintAreas.Select(a => a.RangeAddress.ToString()), sheet.PageSetup.PrintAreas.Select(a => a.RangeAddress.ToString()));
        }
        // The copy kept in the reports folder is the file that was sent.
        var copy = Path.Combine(app.GetRequiredService<ReportCopies>().Folder, result.FileName);
        Assert.Equal(master.ToArray(), await File.ReadAllBytesAsync(copy));
    }

    private static List<(string Address, string Text)> Cells(IXLWorksheet sheet) =>
        sheet.CellsUsed(XLCellsUsedOptions.Contents).Select(c => (c.Address.ToString()!, c.GetString())).OrderBy(c => c.Item1, StringComparer.Ordinal).ToList();

    /// <summary>Module X's in-limit value of check 1.1.1 on the i-th pack.</summary>
    private static double ModuleX(int i) => Math.Round(3.581 + i * 0.003, 3);
}
