using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Reports;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;
using X = DocumentFormat.OpenXml.Spreadsheet;

namespace BatteryMes.Tests.Reports;

/// <summary>The exports read all packs in one query (a plain reader over joins) and the master copies the form's
/// drawing per sheet: every filter of the page must still hold on both providers, SQLite must use its indexes, and a
/// form that carries a logo must give a valid workbook.</summary>
public class ExportQueryAndPackageTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_csv_and_the_master_apply_every_filter_of_the_page(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        await SeedAsync(app, "BP-1");
        var recorder = app.GetRequiredService<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync("BP-2", null, null, Person)).Succeeded);
        Assert.True((await recorder.CreatePackAsync("XP-3", "MX-3", null, Person)).Succeeded);
        Assert.True((await recorder.SaveStageAsync(new StageSave("XP-3", 1, [new CheckInput("1.1.1", QcResult.NotOk, QcResult.Ok, 3.71, 3.59)]), new Actor("Ananya", "10.0.0.9", "ananya"))).Succeeded);
        var today = DateOnly.FromDateTime(app.GetRequiredService<PlantClock>().LocalNow);
        var checks = app.GetRequiredService<ProcessRoute>().AllChecks.Count();

        var cases = new (PackFilter Filter, string[] Packs)[]
        {
            (PackFilter.All, ["BP-1", "BP-2", "XP-3"]),
            (new PackFilter(Query: "bp"), ["BP-1", "BP-2"]),
            (new PackFilter(Status: PackStatus.NotStarted), ["BP-2"]),
            (new PackFilter(Stage: 1), ["BP-1", "BP-2", "XP-3"]),
            (new PackFilter(Stage: 2), []),
            (new PackFilter(Technician: "RAVI"), ["BP-1"]),
            (new PackFilter(Technician: "anan"), ["XP-3"]),
            (new PackFilter(From: today, To: today), ["BP-1", "BP-2", "XP-3"]),
            (new PackFilter(From: today.AddDays(1)), []),
            (new PackFilter(To: today.AddDays(-1)), []),
            (new PackFilter(Query: "P-", Technician: "ö"), ["BP-1"]),
        };
        foreach (var (filter, packs) in cases)
        {
            using var csvFile = new MemoryStream();
            var rows = await app.GetRequiredService<ResultsCsvWriter>().WriteAsync(filter, csvFile);
            var table = MasterAndCsvTests.ReadCsv(Encoding.UTF8.GetString(csvFile.ToArray()[3..]));
            Assert.Equal(packs, table.Skip(1).Select(r => r[0]).Distinct().ToArray());
            Assert.Equal(packs.Length * checks, rows);

            using var masterFile = new MemoryStream();
            await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(filter, masterFile);
            using var workbook = Open(masterFile);
            Assert.Equal(["Summary", .. packs], workbook.Worksheets.Select(w => w.Name));
        }
    }

    [Fact]
    public async Task On_sqlite_the_export_query_walks_packs_in_row_order_through_the_indexes_without_a_sort()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await StartAsync(database);
        await SeedAsync(app);

        var plan = await app.GetRequiredService<PackReportReader>().ExplainAsync(PackFilter.All);

        Assert.Contains("IX_StageRecords_PackRowId_StageNumber", plan);
        Assert.Contains("IX_CheckResults_StageRecordId_CheckCode", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
        Assert.DoesNotContain("AUTOMATIC", plan);
    }

    [Fact]
    public async Task A_form_with_a_logo_gives_each_pack_sheet_its_own_drawing_of_the_one_stored_image_in_a_valid_workbook()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var template = TemplateWithLogo(database.Folder);
        await using var app = await StartAsync(database, template);
        await SeedAsync(app, "BP-1");
        await SeedAsync(app, "BP-2");

        using var file = new MemoryStream();
        var result = await app.GetRequiredService<MasterWorkbookWriter>().WriteAsync(PackFilter.All, file);

        var problems = app.GetRequiredService<FormTemplateStore>().Current.Problems;
        Assert.True(problems.Count == 0, string.Join(" ", problems));
        Assert.Equal(2, result.PackSheets);
        file.Position = 0;
        using (var document = SpreadsheetDocument.Open(file, isEditable: false))
        {
            var workbookPart = document.WorkbookPart!;
            var drawings = new List<DrawingsPart>();
            foreach (var sheet in workbookPart.Workbook.Sheets!.Elements<X.Sheet>().Where(s => s.Name != MasterWorkbookWriter.SummarySheetName))
            {
                var part = (WorksheetPart)workbookPart.GetPartById(sheet.Id!.Value!);
                var drawing = Assert.Single(part.Worksheet.Elements<X.Drawing>());
                drawings.Add((DrawingsPart)part.GetPartById(drawing.Id!.Value!));
            }
            Assert.Equal(2, drawings.Distinct().Count());
            var images = drawings.Select(d => Assert.Single(d.ImageParts)).ToList();
            Assert.Same(images[0], images[1]);
            Assert.Equal(Logo, ReadAll(images[0]));

            // The project's template (saved by ClosedXML) has schema complaints of its own in its styles; the master
            // must add none: no new kind of error, and none in the sheets, drawings or workbook it writes.
            using var form = SpreadsheetDocument.Open(template, isEditable: false);
            var known = Errors(form).Select(e => e.Description).ToHashSet();
            var added = Errors(document).Where(e => !known.Contains(e.Description) || e.Part?.Uri.ToString() != "/xl/styles.xml")
                .Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
            Assert.Empty(added);
        }
        // ClosedXML 0.95.4 loads pictures through GDI+, which a Linux server without libgdiplus lacks (the template with
        // the logo cannot be opened by it either): the rest of the workbook is checked without the drawings.
        using var workbook = Open(new MemoryStream(FormTemplate.WithoutDrawings(file.ToArray())));
        Assert.Equal(["Summary", "BP-1", "BP-2"], workbook.Worksheets.Select(w => w.Name));
        Assert.Equal("BP-2", workbook.Worksheet("BP-2").Cell("J6").GetString());
        Assert.Equal("OK (3.59 V)", Value(workbook.Worksheet("BP-1"), "1.1.1", "Module X QC Result"));
    }

    private static List<ValidationErrorInfo> Errors(OpenXmlPackage document) =>
        new OpenXmlValidator(FileFormatVersions.Office2013).Validate(document).ToList();

    /// <summary>A 1 x 1 PNG: the plant's logo in miniature.</summary>
    private static readonly byte[] Logo = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static byte[] ReadAll(OpenXmlPart part)
    {
        using var stream = part.GetStream(FileMode.Open, FileAccess.Read);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The project's template with a picture anchored at the top-left of the form sheet (written with the
    /// OpenXml SDK, as Excel stores an inserted logo: a drawing part holding an image part).</summary>
    private static string TemplateWithLogo(string folder)
    {
        var path = Path.Combine(folder, "form-with-logo.xlsx");
        File.Copy(TemplatePath, path);
        using var document = SpreadsheetDocument.Open(path, isEditable: true);
        var workbookPart = document.WorkbookPart!;
        var sheet = workbookPart.Workbook.Sheets!.Elements<X.Sheet>().First();
        var sheetPart = (WorksheetPart)workbookPart.GetPartById(sheet.Id!.Value!);
        var drawingPart = sheetPart.AddNewPart<DrawingsPart>();
        var imagePart = drawingPart.AddImagePart(ImagePartType.Png);
        using (var image = new MemoryStream(Logo)) imagePart.FeedData(image);
        var imageId = drawingPart.GetIdOfPart(imagePart);
        var xml = $"""
            <xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            <xdr:oneCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="952500" cy="476250"/>
            <xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="{imageId}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>
            <xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="476250"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>
            """;
        using (var stream = drawingPart.GetStream(FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            writer.Write(xml);
        // <drawing> goes before these elements of a worksheet (schema order).
        var worksheet = sheetPart.Worksheet;
        var drawingElement = new X.Drawing { Id = sheetPart.GetIdOfPart(drawingPart) };
        var after = worksheet.ChildElements.FirstOrDefault(e => e is X.LegacyDrawing or X.LegacyDrawingHeaderFooter or X.Picture or X.OleObjects
            or X.Controls or X.WebPublishItems or X.TableParts or X.WorksheetExtensionList);
        if (after is null) worksheet.AppendChild(drawingElement); else worksheet.InsertBefore(drawingElement, after);
        worksheet.Save();
        return path;
    }
}
