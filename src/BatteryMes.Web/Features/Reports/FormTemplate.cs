using System.Text.RegularExpressions;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using ClosedXML.Excel;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

/// <summary>The columns of the form that the app fills, found by their header text.</summary>
public enum FormColumn
{
    ModuleX,
    ModuleY,
    StartDate,
    EndDate,
    Technician,
    QcInspector,
    Remarks,
    PackResult,
    Date,
    Name,
}

/// <summary>One header row of the form and the check rows under it (up to the next header row). The module-level
/// part has Module X/Y result columns; the pack-level part has one "Pack QC Result" column.</summary>
public sealed record FormSection(int HeaderRow, int CheckColumn, IReadOnlyDictionary<FormColumn, int> Columns)
{
    public bool IsPackLevel => !Columns.ContainsKey(FormColumn.ModuleX) && !Columns.ContainsKey(FormColumn.ModuleY) && Columns.ContainsKey(FormColumn.PackResult);
}

public sealed record FormCheckRow(string Code, int Row, FormSection Section);

/// <summary>Where things go in the template, read from its text: rows by check code, columns by header, title cells
/// by their labels. Nothing here is a fixed row or column number, so a revised form needs no code change.</summary>
public sealed partial class FormLayout
{
    public required string SheetName { get; init; }
    public required IReadOnlyDictionary<string, FormCheckRow> Rows { get; init; }
    public (int Row, int Column)? SerialNumberCell { get; init; }
    public (int Row, int Column)? PackAndModulesCell { get; init; }
    public (int Row, int Column)? DateIssuedCell { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }

    private static readonly (string Label, FormColumn Column)[] HeaderLabels =
    [
        ("modulexqcresult", FormColumn.ModuleX),
        ("moduleyqcresult", FormColumn.ModuleY),
        ("startdate", FormColumn.StartDate),
        ("enddate", FormColumn.EndDate),
        ("techniciannamesign", FormColumn.Technician),
        ("technicianname", FormColumn.Technician),
        ("technician", FormColumn.Technician),
        ("qcnamesign", FormColumn.QcInspector),
        ("qcname", FormColumn.QcInspector),
        ("qcinspector", FormColumn.QcInspector),
        ("remarks", FormColumn.Remarks),
        ("remark", FormColumn.Remarks),
        ("packqcresult", FormColumn.PackResult),
        ("date", FormColumn.Date),
        ("name", FormColumn.Name),
        ("namesign", FormColumn.Name),
    ];

    private static readonly FormColumn[] ModuleLevelColumns =
        [FormColumn.ModuleX, FormColumn.ModuleY, FormColumn.StartDate, FormColumn.EndDate, FormColumn.Technician, FormColumn.QcInspector, FormColumn.Remarks];

    private static readonly FormColumn[] PackLevelColumns = [FormColumn.PackResult, FormColumn.Date, FormColumn.Name, FormColumn.Remarks];

    public static string HeaderText(FormColumn column) => column switch
    {
        FormColumn.ModuleX => "Module X QC Result",
        FormColumn.ModuleY => "Module Y QC Result",
        FormColumn.StartDate => "Start date",
        FormColumn.EndDate => "End date",
        FormColumn.Technician => "Technician Name/sign",
        FormColumn.QcInspector => "QC Name/Sign",
        FormColumn.Remarks => "Remarks",
        FormColumn.PackResult => "Pack QC Result",
        FormColumn.Date => "Date",
        FormColumn.Name => "Name",
        _ => column.ToString(),
    };

    /// <summary>Letters and digits only, lower case: "Technician Name/sign " and "technician name / Sign" are the same label.</summary>
    public static string Normalize(string text) => new string(text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)+)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingCode();

    /// <summary>The check code that starts a cell's text: "8.6.10.Top casing" gives 8.6.10, never 8.6.1.</summary>
    public static string? CodeAtStart(string text)
    {
        var match = LeadingCode().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static bool IsCheckHeader(string normalized) =>
        normalized.StartsWith("processqccheck", StringComparison.Ordinal) || normalized is "qccheck" or "qcchecks";

    public static FormLayout Read(IXLWorksheet sheet, ProcessRoute route)
    {
        var problems = new List<string>();
        var texts = new Dictionary<int, List<(int Column, string Text)>>();
        foreach (var cell in sheet.CellsUsed(XLCellsUsedOptions.Contents))
        {
            var text = cell.GetString();
            if (text.Length == 0) continue;
            var row = cell.Address.RowNumber;
            if (!texts.TryGetValue(row, out var list)) texts[row] = list = [];
            list.Add((cell.Address.ColumnNumber, text));
        }
        var lastRow = texts.Count == 0 ? 0 : texts.Keys.Max();

        var headerRows = texts
            .SelectMany(r => r.Value.Where(c => IsCheckHeader(Normalize(c.Text))).Take(1).Select(c => (Row: r.Key, c.Column)))
            .OrderBy(h => h.Row)
            .ToList();
        if (headerRows.Count == 0)
            problems.Add("The template has no header row with a 'Process/QC checks' column, so no check row can be found.");

        var rows = new Dictionary<string, FormCheckRow>(StringComparer.Ordinal);
        for (var i = 0; i < headerRows.Count; i++)
        {
            var (headerRow, checkColumn) = headerRows[i];
            var columns = new Dictionary<FormColumn, int>();
            foreach (var (column, text) in texts[headerRow].OrderBy(c => c.Column))
            {
                var label = Normalize(text);
                foreach (var (known, kind) in HeaderLabels)
                {
                    if (label == known && !columns.ContainsKey(kind)) { columns[kind] = column; break; }
                }
            }
            var section = new FormSection(headerRow, checkColumn, columns);
            var end = i + 1 < headerRows.Count ? headerRows[i + 1].Row - 1 : lastRow;
            var codesHere = new List<string>();
            for (var row = headerRow + 1; row <= end; row++)
            {
                if (!texts.TryGetValue(row, out var cells)) continue;
                var checkText = cells.FirstOrDefault(c => c.Column == checkColumn).Text;
                if (checkText is null || CodeAtStart(checkText) is not { } code || route.FindCheck(code) is null) continue;
                if (rows.TryGetValue(code, out var first))
                {
                    problems.Add($"Check {code} has two rows in the template ({first.Row} and {row}); only row {first.Row} is filled.");
                    continue;
                }
                rows[code] = new FormCheckRow(code, row, section);
                codesHere.Add(code);
            }
            if (codesHere.Count == 0) continue;
            var wanted = section.IsPackLevel ? PackLevelColumns : ModuleLevelColumns;
            foreach (var missing in wanted.Where(c => !columns.ContainsKey(c)))
                problems.Add($"Header row {headerRow} has no '{HeaderText(missing)}' column: it stays empty for checks {codesHere[0]} to {codesHere[^1]}.");
        }

        foreach (var check in route.AllChecks.Where(c => !rows.ContainsKey(c.Code)))
            problems.Add($"Check {check.Code} ({check.Description}) has no row in the template (a row whose 'Process/QC checks' cell starts with {check.Code}); it is left out of the Excel form.");

        (int, int)? ValueRightOf(string label)
        {
            foreach (var (row, cells) in texts)
            {
                foreach (var (column, text) in cells)
                {
                    if (!Normalize(text).StartsWith(label, StringComparison.Ordinal)) continue;
                    var labelCell = sheet.Cell(row, column);
                    var lastColumn = labelCell.IsMerged() ? labelCell.MergedRange().RangeAddress.LastAddress.ColumnNumber : column;
                    return (row, lastColumn + 1);
                }
            }
            problems.Add($"The title block has no '{label switch { "serialnumber" => "Serial Number", "packmoduleno" => "Pack & Module No", _ => "Date Issued" }}' label; that value is left out.");
            return null;
        }

        return new FormLayout
        {
            SheetName = sheet.Name,
            Rows = rows,
            SerialNumberCell = ValueRightOf("serialnumber"),
            PackAndModulesCell = ValueRightOf("packmoduleno"),
            DateIssuedCell = ValueRightOf("dateissued"),
            Problems = problems,
        };
    }
}

/// <summary>The template as loaded: its bytes (each report opens a fresh copy) and its layout.</summary>
public sealed class FormTemplate(string path, byte[] content, FormLayout layout)
{
    public string Path { get; } = path;
    public FormLayout Layout { get; } = layout;

    private readonly Lazy<FormSheetXml> _sheetXml = new(() => CompileSheet(content, layout));

    public XLWorkbook Open() => new(new MemoryStream(content, writable: false));

    /// <summary>The form sheet cut into fixed XML and fillable cells, made once per template (see <see cref="FormSheetXml"/>).</summary>
    public FormSheetXml SheetXml => _sheetXml.Value;

    /// <summary>A private, editable copy of the template workbook: the caller fills it and disposes the document
    /// before reading the buffer.</summary>
    public (MemoryStream Buffer, SpreadsheetDocument Document) OpenPackage()
    {
        var buffer = new MemoryStream(content.Length * 2);
        buffer.Write(content);
        buffer.Position = 0;
        return (buffer, SpreadsheetDocument.Open(buffer, isEditable: true));
    }

    /// <summary>The form sheet of a workbook made from this template.</summary>
    public (Sheet Sheet, WorksheetPart Part) FormSheet(SpreadsheetDocument document)
    {
        var workbookPart = document.WorkbookPart!;
        var sheet = workbookPart.Workbook.Sheets!.Elements<Sheet>().First(s => s.Name?.Value == Layout.SheetName);
        return (sheet, (WorksheetPart)workbookPart.GetPartById(sheet.Id!.Value!));
    }

    private static FormSheetXml CompileSheet(byte[] content, FormLayout layout)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(content, writable: false), isEditable: false);
        var workbookPart = document.WorkbookPart!;
        var sheet = workbookPart.Workbook.Sheets!.Elements<Sheet>().First(s => s.Name?.Value == layout.SheetName);
        return FormSheetXml.Compile((WorksheetPart)workbookPart.GetPartById(sheet.Id!.Value!), layout);
    }

    /// <summary>Reads a template file. Throws <see cref="FormTemplateException"/> with a plain message when it is
    /// missing or not an .xlsx workbook.</summary>
    public static FormTemplate Load(string path, ProcessRoute route)
    {
        if (!File.Exists(path))
            throw new FormTemplateException($"The Excel form template was not found at '{path}'. Put the form there or point {ReportsOptions.Section}:TemplateFile at it.");
        byte[] content;
        try
        {
            content = RepairFills(File.ReadAllBytes(path));
            using var workbook = new XLWorkbook(new MemoryStream(WithoutDrawings(content), writable: false));
            var layout = FormLayout.Read(workbook.Worksheet(1), route);
            return new FormTemplate(path, content, layout);
        }
        catch (Exception ex) when (ex is not FormTemplateException and not OutOfMemoryException)
        {
            throw new FormTemplateException($"The Excel form template '{path}' cannot be read as an .xlsx workbook ({ex.Message}). Save it from Excel as 'Excel Workbook (*.xlsx)'.", ex);
        }
    }

    /// <summary>The layout is read by ClosedXML, which loads pictures through System.Drawing (GDI+): on a Linux server
    /// without libgdiplus a form that carries the plant's logo would not load at all. The layout needs only cells and
    /// merges, so ClosedXML gets a copy without drawings; the reports are written from the full file, logo included.</summary>
    internal static byte[] WithoutDrawings(byte[] content)
    {
        using var buffer = new MemoryStream();
        buffer.Write(content);
        using (var document = SpreadsheetDocument.Open(buffer, isEditable: true))
        {
            var sheets = document.WorkbookPart?.WorksheetParts.Where(p => p.DrawingsPart is not null).ToList() ?? [];
            if (sheets.Count == 0) return content;
            foreach (var sheet in sheets)
            {
                foreach (var drawing in sheet.Worksheet.Elements<Drawing>().ToList()) drawing.Remove();
                sheet.Worksheet.Save();
                sheet.DeletePart(sheet.DrawingsPart!);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Workbooks saved by some tools carry a fill without a pattern type; ClosedXML 0.95.4 then fails when
    /// saving ("Cannot convert null object" in ResolveFillWithPattern). The plant's own form has one, so mend it once here.</summary>
    private static byte[] RepairFills(byte[] content)
    {
        using var buffer = new MemoryStream();
        buffer.Write(content);
        using (var document = SpreadsheetDocument.Open(buffer, isEditable: true))
        {
            var fills = document.WorkbookPart?.WorkbookStylesPart?.Stylesheet?.Fills;
            if (fills is null) return content;
            var mended = false;
            foreach (var pattern in fills.Descendants<PatternFill>().Where(p => p.PatternType is null))
            {
                pattern.PatternType = PatternValues.None;
                mended = true;
            }
            if (!mended) return content;
            document.WorkbookPart!.WorkbookStylesPart!.Stylesheet!.Save();
        }
        return buffer.ToArray();
    }
}

public sealed class FormTemplateException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The current template and what is wrong with it. Re-read when the file changes, so quality can drop a
/// revised form in place without a restart.</summary>
public sealed class FormTemplateStore(IOptions<ReportsOptions> options, AppHome home, ProcessRoute route, ILogger<FormTemplateStore> log)
{
    private readonly Lock _gate = new();
    private TemplateState? _state;

    public string TemplatePath => home.Resolve(options.Value.TemplateFile);

    public TemplateState Current
    {
        get
        {
            var path = TemplatePath;
            var stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path).Ticks ^ new FileInfo(path).Length : 0;
            lock (_gate)
            {
                if (_state is { } known && known.Stamp == stamp) return known;
                _state = LoadState(path, stamp);
                return _state;
            }
        }
    }

    private TemplateState LoadState(string path, long stamp)
    {
        try
        {
            var template = FormTemplate.Load(path, route);
            foreach (var problem in template.Layout.Problems)
                log.LogWarning("Excel form template {Template}: {Problem}", path, problem);
            log.LogInformation("Excel form template {Template} read: {Rows} of {Checks} route checks have a row", path, template.Layout.Rows.Count, route.AllChecks.Count());
            return new TemplateState(template, template.Layout.Problems, stamp);
        }
        catch (FormTemplateException ex)
        {
            log.LogError("Excel form template {Template} unusable: {Problem}", path, ex.Message);
            return new TemplateState(null, [ex.Message], stamp);
        }
    }
}

public sealed record TemplateState(FormTemplate? Template, IReadOnlyList<string> Problems, long Stamp);

/// <summary>Reads the template when the app starts so that its problems are in the log before anyone asks for a report.</summary>
internal sealed class FormTemplateStartupCheck(FormTemplateStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = store.Current;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
