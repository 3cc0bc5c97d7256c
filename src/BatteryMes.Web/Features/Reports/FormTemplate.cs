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
/// part has Module X/Y result columns; the pack-level part has one "Pack QC Result" column. A row inside a part that
/// carries result labels of its own (the plant's "Result" / "Comments" above the packaging rows) starts a new section
/// with those columns.</summary>
public sealed record FormSection(int HeaderRow, int CheckColumn, IReadOnlyDictionary<FormColumn, int> Columns)
{
    public bool IsPackLevel => !Columns.ContainsKey(FormColumn.ModuleX) && !Columns.ContainsKey(FormColumn.ModuleY) && Columns.ContainsKey(FormColumn.PackResult);
}

public sealed record FormCheckRow(string Code, int Row, FormSection Section);

/// <summary>A row of the form and the route checks it shows (one, or several when the form combines them), in route order.</summary>
public sealed record FormRowChecks(int Row, FormSection Section, IReadOnlyList<QcCheck> Checks);

/// <summary>Where things go in the template, read from its text: the form sheet by its check table header, rows by
/// the code at the start of their check cell, columns by header, title cells by their labels. Nothing here is a fixed
/// sheet, row or column number, so a revised form needs no code change.
/// <see cref="Problems"/> are what would hide a recorded result (a check with no row, a result column not found):
/// forms are refused while there are any, unless acknowledged. <see cref="Notes"/> are the rest (a name column
/// missing, a title label missing): the form is still truthful without them.</summary>
public sealed partial class FormLayout
{
    public required string SheetName { get; init; }
    /// <summary>The row of each placed check, by check code.</summary>
    public required IReadOnlyDictionary<string, FormCheckRow> Rows { get; init; }
    /// <summary>Per stage number, the form rows of its checks in sheet order.</summary>
    public required IReadOnlyDictionary<int, IReadOnlyList<FormRowChecks>> RowsByStage { get; init; }
    /// <summary>Checks whose results the form cannot show (no row, or no result cell on their row), in route order.</summary>
    public required IReadOnlyList<QcCheck> Unplaced { get; init; }
    public (int Row, int Column)? SerialNumberCell { get; init; }
    public (int Row, int Column)? PackAndModulesCell { get; init; }
    public (int Row, int Column)? DateIssuedCell { get; init; }
    /// <summary>The cell that says which checks are not on the form: above the form when the row there is free, else below it.</summary>
    public (int Row, int Column)? NoteCell { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }

    private static readonly (string Label, FormColumn Column)[] HeaderLabels =
    [
        ("modulexqcresult", FormColumn.ModuleX),
        ("modulexresult", FormColumn.ModuleX),
        ("moduleyqcresult", FormColumn.ModuleY),
        ("moduleyresult", FormColumn.ModuleY),
        ("startdate", FormColumn.StartDate),
        ("enddate", FormColumn.EndDate),
        ("techniciannamesign", FormColumn.Technician),
        ("techniciannamesignature", FormColumn.Technician),
        ("technicianname", FormColumn.Technician),
        ("technician", FormColumn.Technician),
        ("qcnamesign", FormColumn.QcInspector),
        ("qcnamesignature", FormColumn.QcInspector),
        ("qcname", FormColumn.QcInspector),
        ("qcinspector", FormColumn.QcInspector),
        ("qcinspectorname", FormColumn.QcInspector),
        ("remarks", FormColumn.Remarks),
        ("remark", FormColumn.Remarks),
        ("comments", FormColumn.Remarks),
        ("comment", FormColumn.Remarks),
        ("packqcresult", FormColumn.PackResult),
        ("packresult", FormColumn.PackResult),
        ("qcresult", FormColumn.PackResult),
        ("result", FormColumn.PackResult),
        ("date", FormColumn.Date),
        ("name", FormColumn.Name),
        ("namesign", FormColumn.Name),
    ];

    /// <summary>Endings that say which words go in a result column ("Pack QC Result OK / Not OK"), not what the column is.</summary>
    private static readonly string[] ResultWordEndings = ["oknotokna", "oknotok", "okornotok", "oknok", "passfail"];

    private static readonly FormColumn[] ModuleLevelColumns = [FormColumn.StartDate, FormColumn.EndDate, FormColumn.Technician, FormColumn.QcInspector, FormColumn.Remarks];

    private static readonly FormColumn[] PackLevelColumns = [FormColumn.Date, FormColumn.Name, FormColumn.Remarks];

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

    [GeneratedRegex(@"\([^)]*\)", RegexOptions.CultureInvariant)]
    private static partial Regex Parenthesised();

    /// <summary>A header cell as the label it stands for: without parenthesised notes and result-word endings, then
    /// <see cref="Normalize"/>d. "Pack QC Result (OK/NOT OK)", "PACK QC RESULT - OK / Not OK" and "Pack QC result" agree.</summary>
    public static string HeaderKey(string text)
    {
        var key = Normalize(Parenthesised().Replace(text, " "));
        foreach (var ending in ResultWordEndings)
            if (key.Length > ending.Length && key.EndsWith(ending, StringComparison.Ordinal)) return key[..^ending.Length];
        return key;
    }

    /// <summary>The column a header cell names, if any.</summary>
    public static FormColumn? ColumnOfHeader(string text)
    {
        var key = HeaderKey(text);
        foreach (var (label, column) in HeaderLabels)
            if (key == label) return column;
        return null;
    }

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)+)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingCode();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)*)(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingRowCode();

    /// <summary>The check code that starts a cell's text: "8.6.10.Top casing" gives 8.6.10, never 8.6.1.</summary>
    public static string? CodeAtStart(string text)
    {
        var match = LeadingCode().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The code of a form row, as a check's own code or its "formRow" names it: like <see cref="CodeAtStart"/>,
    /// and also a section's single number ("9.Overall pack" gives 9, "10.1.Packing foams" gives 10.1).</summary>
    public static string? RowCodeAtStart(string text)
    {
        var match = LeadingRowCode().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    public static bool IsCheckHeader(string text)
    {
        var key = HeaderKey(text);
        return key.StartsWith("processqccheck", StringComparison.Ordinal) || key is "qccheck" or "qcchecks" or "processchecks";
    }

    /// <summary>The form sheet of a workbook: the first sheet with a check table header ("Process/QC checks"),
    /// wherever it stands (an instruction or revision sheet may come first). Null when no sheet has one.</summary>
    public static IXLWorksheet? FindFormSheet(IXLWorkbook workbook) =>
        workbook.Worksheets.FirstOrDefault(sheet => sheet.CellsUsed(XLCellsUsedOptions.Contents).Any(c => IsCheckHeader(c.GetString())));

    public static FormLayout Read(IXLWorksheet sheet, ProcessRoute route)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        var texts = new Dictionary<(int Row, int Column), string>();
        foreach (var cell in sheet.CellsUsed(XLCellsUsedOptions.Contents))
        {
            var text = cell.GetString();
            if (text.Length > 0) texts[(cell.Address.RowNumber, cell.Address.ColumnNumber)] = text;
        }
        var textRows = texts.Keys.GroupBy(k => k.Row).ToDictionary(g => g.Key, g => g.Select(k => k.Column).Order().ToList());
        var lastRow = textRows.Count == 0 ? 0 : textRows.Keys.Max();

        // Cells inside a merged range other than its top-left one: Excel shows nothing there. A check cell covered by
        // a range that starts in the same row (the plant's "9." and "10.1." text spans the whole row) reads the range's text.
        var hidden = new HashSet<(int, int)>();
        var coveredBy = new Dictionary<(int, int), (int, int)>();
        foreach (var range in sheet.MergedRanges)
        {
            var first = range.RangeAddress.FirstAddress;
            var last = range.RangeAddress.LastAddress;
            for (var r = first.RowNumber; r <= last.RowNumber; r++)
                for (var c = first.ColumnNumber; c <= last.ColumnNumber; c++)
                {
                    if (r == first.RowNumber && c == first.ColumnNumber) continue;
                    hidden.Add((r, c));
                    if (r == first.RowNumber) coveredBy[(r, c)] = (first.RowNumber, first.ColumnNumber);
                }
        }
        string? CheckCellText(int row, int column)
        {
            if (coveredBy.TryGetValue((row, column), out var top)) return texts.GetValueOrDefault(top);
            return hidden.Contains((row, column)) ? null : texts.GetValueOrDefault((row, column));
        }
        Dictionary<FormColumn, int> ColumnsOf(int row)
        {
            var columns = new Dictionary<FormColumn, int>();
            foreach (var column in textRows.GetValueOrDefault(row) ?? [])
                if (ColumnOfHeader(texts[(row, column)]) is { } kind) columns.TryAdd(kind, column);
            return columns;
        }

        var headerRows = textRows.Keys.Order()
            .Select(row => (Row: row, Column: textRows[row].FirstOrDefault(c => IsCheckHeader(texts[(row, c)]))))
            .Where(h => h.Column > 0)
            .ToList();
        if (headerRows.Count == 0)
            problems.Add("The form sheet has no header row with a 'Process/QC checks' column, so no check row can be found.");

        var rowsByCode = new Dictionary<string, (int Row, FormSection Section)>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < headerRows.Count; i++)
        {
            var (headerRow, checkColumn) = headerRows[i];
            var section = new FormSection(headerRow, checkColumn, ColumnsOf(headerRow));
            var end = i + 1 < headerRows.Count ? headerRows[i + 1].Row - 1 : lastRow;
            for (var row = headerRow + 1; row <= end; row++)
            {
                if (CheckCellText(row, checkColumn) is { } checkText && RowCodeAtStart(checkText) is { } code)
                {
                    if (rowsByCode.TryAdd(code, (row, section))) continue;
                    if (!repeated.TryGetValue(code, out var rows)) repeated[code] = rows = [rowsByCode[code].Row];
                    rows.Add(row);
                    continue;
                }
                var labels = ColumnsOf(row);
                if (labels.ContainsKey(FormColumn.PackResult) || labels.ContainsKey(FormColumn.ModuleX) || labels.ContainsKey(FormColumn.ModuleY))
                    section = new FormSection(row, checkColumn, labels);
            }
        }

        var placed = new Dictionary<string, FormCheckRow>(StringComparer.Ordinal);
        var unplaced = new List<QcCheck>();
        foreach (var check in route.AllChecks)
        {
            if (rowsByCode.TryGetValue(check.Code, out var at) || check.FormRow is { } formRow && rowsByCode.TryGetValue(formRow, out at))
            {
                placed[check.Code] = new FormCheckRow(check.Code, at.Row, at.Section);
                continue;
            }
            unplaced.Add(check);
            var where = check.FormRow is { } mapped ? $"{check.Code} or its form row {mapped}" : check.Code;
            problems.Add($"Check {check.Code} ({check.Description}) has no row on the form: no row's 'Process/QC checks' cell starts with {where}. Add the row to the form, or give the check a \"formRow\" in the route file.");
        }
        foreach (var (code, rows) in repeated.Where(r => placed.Values.Any(p => p.Row == r.Value[0])))
            notes.Add($"Row code {code} starts rows {string.Join(", ", rows)}; only row {rows[0]} is filled.");

        // A placed check whose row has no visible result cell would be printed without its result.
        var codesOfRow = placed.Values.GroupBy(p => p.Row).ToDictionary(g => g.Key, g => g.Select(p => p.Code).ToList());
        bool Shows(int row, FormSection section, FormColumn column) => section.Columns.TryGetValue(column, out var c) && !hidden.Contains((row, c));
        foreach (var group in placed.Values.GroupBy(p => p.Section))
        {
            var section = group.Key;
            var blind = new List<string>();
            foreach (var row in group.Select(p => p.Row).Distinct().Order())
            {
                if (Shows(row, section, FormColumn.PackResult) || Shows(row, section, FormColumn.ModuleX) && Shows(row, section, FormColumn.ModuleY)) continue;
                blind.AddRange(codesOfRow[row]);
            }
            if (blind.Count == 0) continue;
            var modules = new[] { FormColumn.ModuleX, FormColumn.ModuleY };
            var missing = modules.Where(c => !section.Columns.ContainsKey(c)).Select(c => $"'{HeaderText(c)}'").ToList();
            var reason = section.Columns.ContainsKey(FormColumn.PackResult) || missing.Count == 0
                ? "their result cells lie inside merged ranges, where Excel shows nothing"
                : missing.Count == 1
                    ? $"header row {section.HeaderRow} has no {missing[0]} column"
                    : $"header row {section.HeaderRow} has no result column ('Module X QC Result' and 'Module Y QC Result', or 'Pack QC Result')";
            problems.Add($"The results of checks {string.Join(", ", blind)} cannot be shown: {reason}.");
            unplaced.AddRange(route.AllChecks.Where(c => blind.Contains(c.Code)));
            foreach (var code in blind) placed.Remove(code);
        }
        unplaced = route.AllChecks.Where(unplaced.Contains).ToList();

        foreach (var group in placed.Values.GroupBy(p => p.Section))
        {
            var codes = route.AllChecks.Where(c => group.Any(p => p.Code == c.Code)).Select(c => c.Code).ToList();
            var wanted = group.Key.IsPackLevel ? PackLevelColumns : ModuleLevelColumns;
            foreach (var missing in wanted.Where(c => !group.Key.Columns.ContainsKey(c)))
                notes.Add($"Header row {group.Key.HeaderRow} has no '{HeaderText(missing)}' column: it stays empty for checks {codes[0]} to {codes[^1]}.");
        }

        var rowsByStage = new Dictionary<int, IReadOnlyList<FormRowChecks>>();
        foreach (var stage in route.Stages)
        {
            rowsByStage[stage.Number] = stage.Checks.Where(c => placed.ContainsKey(c.Code))
                .GroupBy(c => placed[c.Code].Row)
                .Select(g => new FormRowChecks(g.Key, placed[g.First().Code].Section, g.ToList()))
                .OrderBy(r => r.Row)
                .ToList();
        }

        (int, int)? ValueRightOf(string label, string words)
        {
            foreach (var ((row, column), text) in texts.OrderBy(t => t.Key.Row).ThenBy(t => t.Key.Column))
            {
                if (!Normalize(text).StartsWith(label, StringComparison.Ordinal)) continue;
                var labelCell = sheet.Cell(row, column);
                var lastColumn = labelCell.IsMerged() ? labelCell.MergedRange().RangeAddress.LastAddress.ColumnNumber : column;
                return (row, lastColumn + 1);
            }
            notes.Add($"The title block has no '{words}' label; that value is left out.");
            return null;
        }

        var firstRow = textRows.Count == 0 ? 1 : textRows.Keys.Min();
        (int, int) noteCell = firstRow > 1 && !hidden.Contains((firstRow - 1, 1)) ? (firstRow - 1, 1) : (lastRow + 1, 1);

        return new FormLayout
        {
            SheetName = sheet.Name,
            Rows = placed,
            RowsByStage = rowsByStage,
            Unplaced = unplaced,
            SerialNumberCell = ValueRightOf("serialnumber", "Serial Number"),
            PackAndModulesCell = ValueRightOf("packmoduleno", "Pack & Module No"),
            DateIssuedCell = ValueRightOf("dateissued", "Date Issued"),
            NoteCell = noteCell,
            Problems = problems,
            Notes = notes,
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
    /// missing, not an .xlsx workbook, or has no sheet with the form's check table.</summary>
    public static FormTemplate Load(string path, ProcessRoute route)
    {
        if (!File.Exists(path))
            throw new FormTemplateException($"The Excel form template was not found at '{path}'. Put the form there or point {ReportsOptions.Section}:TemplateFile at it.");
        byte[] content;
        try
        {
            content = RepairFills(File.ReadAllBytes(path));
            using var workbook = new XLWorkbook(new MemoryStream(WithoutDrawings(content), writable: false));
            var sheet = FormLayout.FindFormSheet(workbook)
                ?? throw new FormTemplateException($"The Excel form template '{path}' has no form sheet: none of its sheets ({string.Join(", ", workbook.Worksheets.Select(w => $"'{w.Name}'"))}) has a check table with a 'Process/QC checks' header. Use the plant's process card form (P-BDT-FR-04A) or a copy of templates/process-card-template.xlsx.");
            return new FormTemplate(path, content, FormLayout.Read(sheet, route));
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
    internal static byte[] RepairFills(byte[] content)
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
            var layout = template.Layout;
            foreach (var problem in layout.Problems)
                log.LogWarning("Excel form template {Template} would hide results: {Problem}", path, problem);
            foreach (var note in layout.Notes)
                log.LogInformation("Excel form template {Template}: {Note}", path, note);
            log.LogInformation("Excel form template {Template} read: sheet {Sheet}, {Placed} of {Checks} route checks placed on {Rows} rows",
                path, layout.SheetName, layout.Rows.Count, route.AllChecks.Count(), layout.Rows.Values.Select(r => r.Row).Distinct().Count());
            return new TemplateState(template, layout.Problems, layout.Notes, stamp);
        }
        catch (FormTemplateException ex)
        {
            log.LogError("Excel form template {Template} unusable: {Problem}", path, ex.Message);
            return new TemplateState(null, [ex.Message], [], stamp);
        }
    }
}

/// <summary>The template (null when it cannot be used), what would hide results on its forms, and lesser notes.</summary>
public sealed record TemplateState(FormTemplate? Template, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes, long Stamp)
{
    /// <summary>Whether pack forms may be made: a usable template whose problems, if any, the admin has acknowledged.</summary>
    public bool FormsAllowed(bool acknowledged) => Template is not null && (Problems.Count == 0 || acknowledged);
}

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
