using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

public sealed record MasterResult(int Packs, int PackSheets, string Note, string FileName);

/// <summary>All packs of a filter in one workbook (GET /api/reports/master.xlsx): a summary sheet first (one row per
/// pack), then one sheet per pack in the plant's form. The package is written part by part into a temporary file and
/// then sent (see <see cref="BuildAsync"/>): memory holds the summary's packs and one pack's results at a time, not the
/// workbook. Each pack sheet is the template sheet's XML with the pack's values (see FormSheetXml).
/// Limits: per-pack sheets only when the filter holds at most BatteryMes:Reports:MaxPackSheets packs (default 1,000),
/// otherwise the summary alone with a note; the summary itself stops at <see cref="MaxSummaryRows"/> packs (the CSV
/// export has no limit).</summary>
public sealed class MasterWorkbookWriter(
    FormTemplateStore templates,
    PackReportReader reader,
    PackSheetFiller filler,
    ProcessRoute route,
    PlantClock clock,
    ReportCopies copies,
    IOptions<ReportsOptions> options,
    ILogger<MasterWorkbookWriter> log)
{
    public const string SummarySheetName = "Summary";
    public const int MaxSummaryRows = 20_000;
    public const int SummaryHeaderRow = 5;

    public int MaxPackSheets => options.Value.MaxPackSheets;

    public string FileName() => $"master_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.xlsx";

    /// <summary>What the master holds for a number of packs, in words for the page and the summary sheet.</summary>
    public string Describe(int packs, bool templateAvailable)
    {
        if (packs == 0) return "No pack matches: the master holds an empty summary.";
        if (!templateAvailable) return $"Summary of {packs} packs only: the Excel form template is not available, so there are no per-pack sheets.";
        if (packs > MaxSummaryRows)
            return $"{packs} packs match: the summary lists the first {MaxSummaryRows} and there are no per-pack sheets. Narrow the search, or use the CSV export for all of them.";
        if (packs > MaxPackSheets)
            return $"{packs} packs match: the master holds the summary only, because per-pack sheets are made for at most {MaxPackSheets} packs (a bigger workbook is slow to build and to open). Narrow the search to get the forms, or download each pack's form.";
        return $"Summary and one form sheet for each of the {packs} packs.";
    }

    public async Task<MasterResult> WriteAsync(PackFilter filter, Stream output, CancellationToken ct = default)
    {
        var count = await reader.CountAsync(filter, ct);
        var template = templates.Current.Template;
        var withSheets = template is not null && count > 0 && count <= MaxPackSheets;
        var note = Describe(count, template is not null);

        // The summary's packs, without check results: at most MaxSummaryRows small records. The check results are
        // read later, one pack at a time, as each pack's sheet is written.
        var packs = new List<PackReport>();
        await foreach (var pack in reader.ReadAsync(filter, withResults: false, ct))
        {
            if (packs.Count >= MaxSummaryRows) break;
            packs.Add(pack);
        }

        // Built into a temporary file, then sent: the ZIP is written synchronously, the response body takes only
        // async writes, and a master that fails half-way is answered with an error instead of a cut-off file.
        await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"batterymes-master-{Guid.NewGuid():N}.xlsx"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var sheets = await BuildAsync(file, withSheets ? template : null, filter, count, note, packs, ct);

        file.Position = 0;
        await file.CopyToAsync(output, ct);
        var fileName = FileName();
        await copies.SaveAsync(fileName, file, ct);
        log.LogInformation("Master workbook written: {Packs} packs, {Sheets} pack sheets, {Bytes} bytes", count, sheets, file.Length);
        return new MasterResult(count, sheets, note, fileName);
    }

    /// <summary>Writes the package into <paramref name="file"/> part by part, so that memory holds one pack's sheet at a
    /// time however many packs there are. The package's structure (workbook, styles, relationships, content types, each
    /// pack sheet's drawing copy) is built first with the OpenXml SDK, with empty stand-ins for the summary and the pack
    /// sheets: a few hundred KB. Its parts are copied into a ZIP written straight to the file, and the stand-ins'
    /// content is then written in their place: the summary row by row, each pack sheet as the template sheet's XML with
    /// the pack's values in it (FormSheetXml), the packs and their results read in one streamed query.</summary>
    private async Task<int> BuildAsync(Stream file, FormTemplate? template, PackFilter filter, int count, string note, List<PackReport> packs,
        CancellationToken ct)
    {
        var (structure, summaryEntry, sheetEntries, titleStyle, headStyle) = Structure(template, packs);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
        using (var parts = new ZipArchive(new MemoryStream(structure, writable: false), ZipArchiveMode.Read))
        {
            var standIns = new HashSet<string>(sheetEntries.Values, StringComparer.Ordinal) { summaryEntry };
            foreach (var entry in parts.Entries)
            {
                if (standIns.Remove(entry.FullName)) continue;
                using var from = entry.Open();
                using var to = NewEntry(zip, entry.FullName);
                from.CopyTo(to);
            }
            if (standIns.Count > 0) throw new InvalidOperationException($"The master's package lacks the parts {string.Join(", ", standIns)}.");
        }

        using (var summary = NewEntry(zip, summaryEntry))
            WriteSummary(summary, titleStyle, headStyle, filter, count, note, packs);
        if (template is null) return 0;

        var pending = new Dictionary<long, string>(sheetEntries);
        await foreach (var pack in reader.ReadAsync(filter, withResults: true, ct))
        {
            if (!pending.Remove(pack.RowId, out var entry)) continue;
            WritePackSheet(zip, entry, template, pack);
            if (pending.Count == 0) break;
        }
        // A pack that left the filter between the two reads (completed meanwhile, say) still gets its own form.
        foreach (var (row, entry) in pending)
        {
            var listed = packs.First(p => p.RowId == row);
            WritePackSheet(zip, entry, template, await reader.ReadPackAsync(listed.PackId, ct) ?? listed);
        }
        return sheetEntries.Count;
    }

    private void WritePackSheet(ZipArchive zip, string entry, FormTemplate template, PackReport pack)
    {
        using var stream = NewEntry(zip, entry);
        template.SheetXml.WriteTo(stream, filler.Placements(template.Layout, pack));
    }

    /// <summary>The parts are deflated with the fastest level: with the default level the compression alone took about
    /// half the time; the file is ~40% larger (22 MB instead of 16 MB for 1,000 sheets), which a shared folder or a
    /// browser download shrugs off.</summary>
    private static Stream NewEntry(ZipArchive zip, string name) => zip.CreateEntry(name, CompressionLevel.Fastest).Open();

    /// <summary>The master's package with empty stand-ins for the summary and the pack sheets (see <see cref="BuildAsync"/>),
    /// the ZIP entry names of the stand-ins (the summary's, and each pack's by row ID) and the summary's two cell formats.</summary>
    private static (byte[] Package, string SummaryEntry, Dictionary<long, string> SheetEntries, uint TitleStyle, uint HeadStyle) Structure(FormTemplate? template, List<PackReport> packs)
    {
        var (buffer, document) = template is not null ? template.OpenPackage() : NewPackage();
        using var _ = buffer;
        string summaryEntry;
        uint titleStyle, headStyle;
        var sheetEntries = new Dictionary<long, string>();
        using (document)
        {
            var workbookPart = document.WorkbookPart!;
            var sheetList = workbookPart.Workbook.Sheets ??= new Sheets();
            var original = sheetList.Elements<Sheet>().ToList();
            var nextId = original.Select(s => s.SheetId?.Value ?? 0).DefaultIfEmpty(0u).Max() + 1;
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { SummarySheetName };
            foreach (var sheet in original) names.Add(sheet.Name?.Value ?? "");

            (titleStyle, headStyle) = AddSummaryStyles(workbookPart);
            var summaryPart = StandIn(workbookPart);
            summaryEntry = EntryName(summaryPart);
            sheetList.InsertAt(new Sheet { Name = SummarySheetName, SheetId = nextId++, Id = workbookPart.GetIdOfPart(summaryPart) }, 0);

            if (template is not null)
            {
                var (formSheet, formPart) = template.FormSheet(document);
                var formIndex = original.IndexOf(formSheet);
                var added = new List<string>();
                foreach (var pack in packs)
                {
                    var name = UniqueSheetName(pack.PackId, names);
                    var part = StandIn(workbookPart);
                    CopyRelationships(formPart, part);
                    sheetEntries[pack.RowId] = EntryName(part);
                    sheetList.AppendChild(new Sheet { Name = name, SheetId = nextId++, Id = workbookPart.GetIdOfPart(part) });
                    added.Add(name);
                }
                formSheet.Remove();
                workbookPart.DeletePart(formPart);
                MoveSheetNames(workbookPart.Workbook, original, formIndex, added);
                if (workbookPart.CalculationChainPart is { } chain) workbookPart.DeletePart(chain);
            }
            foreach (var view in workbookPart.Workbook.Descendants<WorkbookView>())
            {
                view.ActiveTab = 0;
                view.FirstSheet = 0;
            }
        }
        return (buffer.ToArray(), summaryEntry, sheetEntries, titleStyle, headStyle);
    }

    /// <summary>A worksheet part with no content yet: its content is written into the final ZIP.</summary>
    private static WorksheetPart StandIn(WorkbookPart workbookPart)
    {
        var part = workbookPart.AddNewPart<WorksheetPart>();
        part.FeedData(Stream.Null);
        return part;
    }

    private static string EntryName(OpenXmlPart part) => part.Uri.OriginalString.TrimStart('/');

    /// <summary>An empty workbook with the minimal stylesheet Excel expects, for a master without form sheets.</summary>
    private static (MemoryStream, SpreadsheetDocument) NewPackage()
    {
        var buffer = new MemoryStream();
        var document = SpreadsheetDocument.Create(buffer, SpreadsheetDocumentType.Workbook);
        var workbookPart = document.AddWorkbookPart();
        workbookPart.Workbook = new Workbook(new BookViews(new WorkbookView()), new Sheets());
        workbookPart.AddNewPart<WorkbookStylesPart>().Stylesheet = new Stylesheet(
            new Fonts(new Font(new FontSize { Val = 11 }, new FontName { Val = "Calibri" })) { Count = 1 },
            new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
            new Borders(new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder())) { Count = 1 },
            new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }) { Count = 1 },
            new CellFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0 }) { Count = 1 },
            new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 });
        return (buffer, document);
    }

    /// <summary>Adds the summary's two cell formats (bold 14 pt title; bold grey wrapped header) to the workbook's styles.</summary>
    private static (uint Title, uint Head) AddSummaryStyles(WorkbookPart workbookPart)
    {
        var styles = (workbookPart.WorkbookStylesPart ?? workbookPart.AddNewPart<WorkbookStylesPart>()).Stylesheet;
        var fonts = styles.Fonts!;
        var fills = styles.Fills!;
        var formats = styles.CellFormats!;
        fonts.AppendChild(new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "Calibri" }));
        var boldFont = (uint)fonts.ChildElements.Count - 1;
        fonts.AppendChild(new Font(new Bold(), new FontSize { Val = 14 }, new FontName { Val = "Calibri" }));
        var titleFont = (uint)fonts.ChildElements.Count - 1;
        fills.AppendChild(new Fill(new PatternFill(new ForegroundColor { Rgb = "FFD9D9D9" }, new BackgroundColor { Indexed = 64 }) { PatternType = PatternValues.Solid }));
        var grey = (uint)fills.ChildElements.Count - 1;
        formats.AppendChild(new CellFormat { NumberFormatId = 0, FontId = titleFont, FillId = 0, BorderId = 0, ApplyFont = true });
        var title = (uint)formats.ChildElements.Count - 1;
        formats.AppendChild(new CellFormat(new Alignment { WrapText = true, Vertical = VerticalAlignmentValues.Top })
            { NumberFormatId = 0, FontId = boldFont, FillId = grey, BorderId = 0, ApplyFont = true, ApplyFill = true, ApplyAlignment = true });
        var head = (uint)formats.ChildElements.Count - 1;
        fonts.Count = (uint)fonts.ChildElements.Count;
        fills.Count = (uint)fills.ChildElements.Count;
        formats.Count = (uint)formats.ChildElements.Count;
        return (title, head);
    }

    /// <summary>A copied form sheet keeps the template sheet's links (hyperlinks, printer settings, drawings) under
    /// the same relationship IDs, which the sheet's XML refers to. A drawing (the plant's logo) gets a copy of its own
    /// per sheet, since Excel does not accept one drawing part on several sheets; the images inside it are shared, so
    /// a logo is stored once however many sheets show it. Other parts (printer settings) are small and shared.</summary>
    private static void CopyRelationships(WorksheetPart from, WorksheetPart to)
    {
        CopyLinks(from, to);
        foreach (var child in from.Parts)
        {
            switch (child.OpenXmlPart)
            {
                case DrawingsPart drawing:
                    CopyPart(drawing, to.AddNewPart<DrawingsPart>(child.RelationshipId));
                    break;
                case VmlDrawingPart vml:
                    CopyPart(vml, to.AddNewPart<VmlDrawingPart>(child.RelationshipId));
                    break;
                default:
                    to.AddPart(child.OpenXmlPart, child.RelationshipId);
                    break;
            }
        }
    }

    /// <summary>A new part with the same content and the same links (to the same images) as <paramref name="from"/>.</summary>
    private static void CopyPart(OpenXmlPart from, OpenXmlPart to)
    {
        CopyLinks(from, to);
        foreach (var child in from.Parts) to.AddPart(child.OpenXmlPart, child.RelationshipId);
        using var source = from.GetStream(FileMode.Open, FileAccess.Read);
        to.FeedData(source);
    }

    private static void CopyLinks(OpenXmlPart from, OpenXmlPart to)
    {
        foreach (var link in from.HyperlinkRelationships) to.AddHyperlinkRelationship(link.Uri, link.IsExternal, link.Id);
        foreach (var external in from.ExternalRelationships) to.AddExternalRelationship(external.RelationshipType, external.Uri, external.Id);
    }

    /// <summary>Sheet-level names (print titles, print area) follow the sheets: the form sheet's go to every pack
    /// sheet with the sheet name changed, the others get their new position (the summary was put first).</summary>
    private static void MoveSheetNames(Workbook workbook, List<Sheet> original, int formIndex, List<string> packSheets)
    {
        if (workbook.DefinedNames is not { } definedNames) return;
        var formName = original[formIndex].Name?.Value ?? "";
        int NewIndex(int old) => 1 + (old < formIndex ? old : old - 1);
        var firstPackIndex = original.Count; // summary + the template's other sheets
        foreach (var name in definedNames.Elements<DefinedName>().ToList())
        {
            if (name.LocalSheetId?.Value is not { } local) continue;
            if (local != formIndex)
            {
                name.LocalSheetId = (uint)NewIndex((int)local);
                continue;
            }
            for (var i = 0; i < packSheets.Count; i++)
            {
                var copy = (DefinedName)name.CloneNode(true);
                copy.LocalSheetId = (uint)(firstPackIndex + i);
                copy.Text = ReplaceSheet(name.Text, formName, packSheets[i]);
                definedNames.AppendChild(copy);
            }
            name.Remove();
        }
    }

    private static string Quote(string sheet) => "'" + sheet.Replace("'", "''") + "'";

    private static string ReplaceSheet(string reference, string from, string to) =>
        reference.Replace(Quote(from) + "!", Quote(to) + "!").Replace(from + "!", Quote(to) + "!");

    /// <summary>Excel sheet names: at most 31 characters, unique regardless of case.</summary>
    private static string UniqueSheetName(string packId, HashSet<string> taken)
    {
        // Characters Excel refuses in a sheet name become '_'.
        packId = string.Concat(packId.Select(c => c is ':' or '\\' or '/' or '?' or '*' or '[' or ']' ? '_' : c)).Trim('\'');
        if (packId.Length == 0) packId = "Pack";
        var name = packId.Length > 31 ? packId[..31] : packId;
        for (var n = 2; !taken.Add(name); n++)
        {
            var suffix = $"~{n}";
            name = (packId.Length + suffix.Length > 31 ? packId[..(31 - suffix.Length)] : packId) + suffix;
        }
        return name;
    }

    private List<string> SummaryHeaders()
    {
        var headers = new List<string> { "Pack ID", "Module X serial", "Module Y serial", "Status", "Current stage", "Created", "Ready for dispatch" };
        foreach (var stage in route.Stages)
        {
            headers.Add($"{stage.Number}. {stage.Name} - status");
            headers.Add($"{stage.Number}. {stage.Name} - started");
            headers.Add($"{stage.Number}. {stage.Name} - completed");
        }
        return headers;
    }

    private List<string?> SummaryValues(PackReport pack)
    {
        var values = new List<string?>
        {
            pack.PackId,
            pack.ModuleXSerial,
            pack.ModuleYSerial,
            pack.Status.ToText(),
            route.FindStage(pack.CurrentStage)?.ToString() ?? pack.CurrentStage.ToString(CultureInfo.InvariantCulture),
            clock.Format(pack.CreatedUtc, PackSheetFiller.DateFormat),
            clock.Format(pack.CompletedUtc, PackSheetFiller.DateFormat),
        };
        foreach (var stage in route.Stages)
        {
            var record = pack.Stage(stage.Number);
            values.Add((record?.Status ?? StageStatus.NotStarted).ToText());
            values.Add(clock.Format(record?.StartedUtc, PackSheetFiller.DateFormat));
            values.Add(clock.Format(record?.CompletedUtc, PackSheetFiller.DateFormat));
        }
        return values;
    }

    private const string SpreadsheetNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>The summary sheet, streamed: title, filter and note, then a frozen header row and one row per pack. The
    /// rows go straight to an XmlWriter: building an element object per cell cost ~38 KB of garbage per row.</summary>
    private void WriteSummary(Stream part, uint titleStyle, uint headStyle, PackFilter filter, int count, string note, List<PackReport> packs)
    {
        var headers = SummaryHeaders();
        using var writer = XmlWriter.Create(part, new XmlWriterSettings { Encoding = new UTF8Encoding(false), CloseOutput = false });
        writer.WriteStartDocument(true);
        writer.WriteStartElement("x", "worksheet", SpreadsheetNamespace);
        var frozenAt = FormSheetXml.CellName(SummaryHeaderRow + 1, 2);
        new SheetViews(new SheetView(
            new Pane { HorizontalSplit = 1, VerticalSplit = SummaryHeaderRow, TopLeftCell = frozenAt, ActivePane = PaneValues.BottomRight, State = PaneStateValues.Frozen },
            new Selection { Pane = PaneValues.BottomRight, ActiveCell = frozenAt, SequenceOfReferences = new ListValue<StringValue> { InnerText = frozenAt } })
            { TabSelected = true, WorkbookViewId = 0 }).WriteTo(writer);
        // Explicit widths: measuring text to fit columns is slow and needs fonts the server may lack.
        new Columns(
            new Column { Min = 1, Max = 1, Width = 22, CustomWidth = true },
            new Column { Min = 2, Max = 3, Width = 18, CustomWidth = true },
            new Column { Min = 4, Max = (uint)headers.Count, Width = 17, CustomWidth = true }).WriteTo(writer);
        writer.WriteStartElement("x", "sheetData", SpreadsheetNamespace);
        WriteRow(writer, 1, ["Battery MES - master workbook"], titleStyle);
        WriteRow(writer, 2, [$"Generated {clock.LocalNow.ToString(PackSheetFiller.DateFormat, CultureInfo.InvariantCulture)}; {filter.Describe()}; {count} packs."], null);
        WriteRow(writer, 3, [note], null);
        WriteRow(writer, SummaryHeaderRow, headers!, headStyle);
        var row = SummaryHeaderRow;
        foreach (var pack in packs) WriteRow(writer, ++row, SummaryValues(pack), null);
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    /// <summary>One row of text cells (inline strings: text to Excel, never formulas, so no apostrophe is needed; empty values skipped).</summary>
    private static void WriteRow(XmlWriter writer, int row, IReadOnlyList<string?> values, uint? style)
    {
        writer.WriteStartElement("x", "row", SpreadsheetNamespace);
        writer.WriteAttributeString("r", row.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < values.Count; i++)
        {
            if (string.IsNullOrEmpty(values[i])) continue;
            writer.WriteStartElement("x", "c", SpreadsheetNamespace);
            writer.WriteAttributeString("r", FormSheetXml.CellName(row, i + 1));
            if (style is { } s) writer.WriteAttributeString("s", s.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("t", "inlineStr");
            writer.WriteStartElement("x", "is", SpreadsheetNamespace);
            writer.WriteStartElement("x", "t", SpreadsheetNamespace);
            writer.WriteAttributeString("xml", "space", null, "preserve");
            writer.WriteString(values[i]);
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    }
}
