using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Reports;
using ClosedXML.Excel;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;

namespace BatteryMes.Tests.Reports;

public class MasterAndCsvTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_master_has_a_summary_row_per_pack_then_a_form_sheet_per_pack(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        await SeedAsync(app, "BP-1");
        await SeedAsync(app, "BP-2");
        await app.GetRequiredService<PackRecorder>().CreatePackAsync("BP-3", "MX-9", null, Person);
        var clock = app.GetRequiredService<PlantClock>();
        await using var db = await app.OpenAsync();
        var packs = await db.Packs.Include(p => p.Stages).OrderBy(p => p.Id).ToListAsync();

        using var file = new MemoryStream();
        var result = await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(PackFilter.All, file);

        Assert.Equal((3, 3), (result.Packs, result.PackSheets));
        using var workbook = Open(file);
        Assert.Equal(["Summary", "BP-1", "BP-2", "BP-3"], workbook.Worksheets.Select(w => w.Name));
        var summary = workbook.Worksheet("Summary");
        var header = MasterWorkbookWriter.SummaryHeaderRow;
        int Col(string label) => ColumnOf(summary, header, label);
        for (var i = 0; i < packs.Count; i++)
        {
            var row = header + 1 + i;
            var pack = packs[i];
            Assert.Equal(pack.PackId, summary.Cell(row, Col("Pack ID")).GetString());
            Assert.Equal(pack.ModuleXSerial ?? "", summary.Cell(row, Col("Module X serial")).GetString());
            Assert.Equal(pack.ModuleYSerial ?? "", summary.Cell(row, Col("Module Y serial")).GetString());
            Assert.Equal(pack.Status.ToText(), summary.Cell(row, Col("Status")).GetString());
            var stage1 = pack.Stages.SingleOrDefault(s => s.StageNumber == 1);
            Assert.Equal((stage1?.Status ?? StageStatus.NotStarted).ToText(), summary.Cell(row, Col("1. Cell sorting - status")).GetString());
            Assert.Equal(clock.Format(stage1?.StartedUtc), summary.Cell(row, Col("1. Cell sorting - started")).GetString());
        }
        Assert.Equal("", summary.Cell(header + 4, 1).GetString());

        using var template = new XLWorkbook(TemplatePath);
        foreach (var pack in packs)
        {
            var sheet = workbook.Worksheet(pack.PackId);
            Assert.Equal(pack.PackId, sheet.Cell("J6").GetString());
            Assert.Equal(MergesOf(template.Worksheet(1)), MergesOf(sheet));
        }
        Assert.Equal("OK (3.59 V)", Value(workbook.Worksheet("BP-2"), "1.1.1", "Module X QC Result"));
        Assert.Equal("", Value(workbook.Worksheet("BP-3"), "1.1.1", "Module X QC Result"));
    }

    [Fact]
    public async Task The_master_of_a_filter_holds_only_the_matching_packs()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        await SeedAsync(app, "BP-1");
        await app.GetRequiredService<PackRecorder>().CreatePackAsync("BP-2", null, null, Person);

        using var file = new MemoryStream();
        await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(new PackFilter(Technician: "kömür"), file);

        using var workbook = Open(file);
        Assert.Equal(["Summary", "BP-1"], workbook.Worksheets.Select(w => w.Name));
        Assert.Contains("technician contains 'kömür'", workbook.Worksheet("Summary").Cell(2, 1).GetString());
    }

    [Fact]
    public async Task Above_the_sheet_cap_the_master_holds_the_summary_only_and_says_why()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database, maxPackSheets: 2);
        foreach (var id in new[] { "BP-1", "BP-2", "BP-3" }) await app.GetRequiredService<PackRecorder>().CreatePackAsync(id, null, null, Person);

        using var file = new MemoryStream();
        var result = await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(PackFilter.All, file);

        Assert.Equal((3, 0), (result.Packs, result.PackSheets));
        using var workbook = Open(file);
        var summary = Assert.Single(workbook.Worksheets);
        Assert.Contains("at most 2 packs", summary.Cell(3, 1).GetString());
        Assert.Equal("BP-3", summary.Cell(MasterWorkbookWriter.SummaryHeaderRow + 3, 1).GetString());
    }

    [Fact]
    public async Task Without_a_usable_template_the_master_still_gives_the_summary()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database, Path.Combine(database.Folder, "no-such-form.xlsx"));
        await SeedAsync(app);

        using var file = new MemoryStream();
        await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(PackFilter.All, file);

        using var workbook = Open(file);
        var summary = Assert.Single(workbook.Worksheets);
        Assert.Contains("template is not available", summary.Cell(3, 1).GetString());
        Assert.Equal(PackId, summary.Cell(MasterWorkbookWriter.SummaryHeaderRow + 1, 1).GetString());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_csv_has_a_row_per_pack_stage_and_check_in_utf8_with_formula_like_text_neutralised(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        await SeedAsync(app, "BP-1");
        await app.GetRequiredService<PackRecorder>().CreatePackAsync("BP-2", "=cmd|' /C calc'!A0", "＝HYPERLINK(1)", Person);
        var route = app.GetRequiredService<ProcessRoute>();

        using var file = new MemoryStream();
        var rows = await app.GetRequiredService<ResultsCsvWriter>().WriteAsync(PackFilter.All, file);

        var bytes = file.ToArray();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var table = ReadCsv(Encoding.UTF8.GetString(bytes[3..]));
        Assert.Equal(ResultsCsvWriter.Headers, table[0]);
        Assert.Equal(2 * route.AllChecks.Count(), rows);
        Assert.Equal(rows + 1, table.Count);

        var voltage = Row(table, "BP-1", "1.1.1");
        Assert.Equal(Technician, voltage["Technician"]);
        Assert.Equal(Inspector, voltage["QC inspector"]);
        Assert.Equal("'" + Remark, voltage["Remarks"]);
        Assert.Equal(("OK", "3.59", "OK", "3.595", "V"), (voltage["Module X result"], voltage["Module X measured"], voltage["Module Y result"], voltage["Module Y measured"], voltage["Unit"]));
        Assert.Equal("In progress", voltage["Stage status"]);
        await using (var db = await app.OpenAsync())
        {
            var stage1 = await db.StageRecords.SingleAsync(s => s.Pack.PackId == "BP-1" && s.StageNumber == 1);
            Assert.NotNull(stage1.StartedUtc);
            Assert.Equal(app.GetRequiredService<PlantClock>().Format(stage1.StartedUtc, ResultsCsvWriter.TimeFormat), voltage["Started"]);
            Assert.Equal("", voltage["Completed"]);
        }
        var torque = Row(table, "BP-1", "8.6.10");
        Assert.Equal(("'+Ravi", "'@Meena", "'-5 mV drift"), (torque["Technician"], torque["QC inspector"], torque["Remarks"]));
        var empty = Row(table, "BP-2", "4.1.1");
        Assert.Equal(("'=cmd|' /C calc'!A0", "", "Not started", ""), (empty["Module X serial"], empty["Module X result"], empty["Stage status"], empty["Technician"]));
        Assert.Equal("'＝HYPERLINK(1)", empty["Module Y serial"]);
    }

    [Fact]
    public async Task The_csv_of_a_filter_holds_only_the_matching_packs()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        await SeedAsync(app, "BP-1");
        await app.GetRequiredService<PackRecorder>().CreatePackAsync("BP-2", null, null, Person);

        using var file = new MemoryStream();
        var rows = await app.GetRequiredService<ResultsCsvWriter>().WriteAsync(new PackFilter(Query: "p-2"), file);

        var table = ReadCsv(Encoding.UTF8.GetString(file.ToArray()[3..]));
        Assert.Equal(65, rows);
        Assert.All(table.Skip(1), row => Assert.Equal("BP-2", row[0]));
    }

    private static Dictionary<string, string> Row(List<string[]> table, string packId, string code)
    {
        var header = table[0];
        var row = table.Single(r => r[0] == packId && r[Array.IndexOf(header, "Check")] == code);
        return header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => row[x.i]);
    }

    internal static List<string[]> ReadCsv(string text)
    {
        using var reader = CsvReader.Create(new StringReader(text), new CsvReaderOptions { HasHeader = false }, false);
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        return rows;
    }
}
