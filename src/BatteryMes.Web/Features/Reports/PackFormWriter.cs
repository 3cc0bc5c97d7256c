using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using ClosedXML.Excel;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

public enum ReportOutcome
{
    Written,
    PackNotFound,
    TemplateUnavailable,
}

public sealed record ReportResult(ReportOutcome Outcome, string Message, string? FileName = null)
{
    public bool Succeeded => Outcome == ReportOutcome.Written;
}

/// <summary>Fills one sheet of the form with one pack. Rows are found by check code and columns by header (see
/// <see cref="FormLayout"/>); a value goes into the top-left cell of its merged range, and every value is written as
/// text, neutralised against formula injection.</summary>
public sealed class PackSheetFiller(ProcessRoute route, PlantClock clock)
{
    public const string DateFormat = "yyyy-MM-dd HH:mm";
    public const string DayFormat = "yyyy-MM-dd";

    public void Fill(IXLWorksheet sheet, FormLayout layout, PackReport pack)
    {
        foreach (var (row, column, value) in Placements(layout, pack)) Put(sheet, (row, column), value);
    }

    /// <summary>Every value of a pack's form and where it goes: title cells and each check row's columns, as found
    /// by the layout (by label, code and header). Both the ClosedXML filler and the XML form writer use this.</summary>
    public IEnumerable<(int Row, int Column, string Value)> Placements(FormLayout layout, PackReport pack)
    {
        if (layout.SerialNumberCell is { } serial) yield return (serial.Row, serial.Column, pack.PackId);
        if (layout.PackAndModulesCell is { } modules) yield return (modules.Row, modules.Column, PackAndModulesText(pack));
        if (layout.DateIssuedCell is { } issued) yield return (issued.Row, issued.Column, clock.LocalNow.ToString(DayFormat, CultureInfo.InvariantCulture));

        foreach (var stage in route.Stages)
        {
            if (pack.Stage(stage.Number) is not { } record) continue;
            // The stage's own texts (dates, names) are the same on each of its check rows: made once.
            var texts = new StageTexts(record, clock.Format(record.StartedUtc, DateFormat), clock.Format(record.CompletedUtc, DateFormat),
                DateSpan(record.StartedUtc, record.CompletedUtc), CombinedNames(record.Technician, record.QcInspector));
            foreach (var check in stage.Checks)
            {
                if (!layout.Rows.TryGetValue(check.Code, out var row)) continue;
                var entry = record.Results.TryGetValue(check.Code, out var e) ? e : new CheckEntry(check.Code, QcResult.Empty, QcResult.Empty);
                foreach (var (column, value) in RowValues(row.Section, check, entry, texts))
                {
                    if (row.Section.Columns.TryGetValue(column, out var at)) yield return (row.Row, at, value);
                }
            }
        }
    }

    public static string PackAndModulesText(PackReport pack) =>
        $"Pack : {pack.PackId}  Module : {pack.ModuleXSerial ?? "-"} & {pack.ModuleYSerial ?? "-"}";

    private sealed record StageTexts(StageReport Stage, string Started, string Completed, string DateSpan, string Names);

    /// <summary>What a check row shows. In the pack-level part of the form (one "Pack QC Result", "Date" and "Name"
    /// column) the two modules' results are combined: one result when they agree ("OK"), "X: OK / Y: NOT OK" when
    /// they differ; Date is the stage's start day, or "start to end" when it ended on another day; Name is the
    /// technician, then "QC: " and the QC inspector.</summary>
    private static IEnumerable<(FormColumn Column, string Value)> RowValues(FormSection section, QcCheck check, CheckEntry entry, StageTexts texts)
    {
        var stage = texts.Stage;
        var x = ResultText(entry.ModuleX, entry.MeasuredX, check);
        var y = ResultText(entry.ModuleY, entry.MeasuredY, check);
        if (section.IsPackLevel)
        {
            yield return (FormColumn.PackResult, CombinedResult(x, y));
            yield return (FormColumn.Date, texts.DateSpan);
            yield return (FormColumn.Name, texts.Names);
        }
        else
        {
            yield return (FormColumn.ModuleX, x);
            yield return (FormColumn.ModuleY, y);
            yield return (FormColumn.StartDate, texts.Started);
            yield return (FormColumn.EndDate, texts.Completed);
            yield return (FormColumn.Technician, stage.Technician ?? "");
            yield return (FormColumn.QcInspector, stage.QcInspector ?? "");
        }
        yield return (FormColumn.Remarks, stage.Remarks ?? "");
    }

    /// <summary>"OK", "NOT OK (3.71 V)", "3.59 V" when only a value was typed, "" when nothing is recorded.</summary>
    public static string ResultText(QcResult result, double? measured, QcCheck check)
    {
        var text = result.ToText();
        if (measured is not { } value) return text;
        var reading = $"{value.ToString("0.###", CultureInfo.InvariantCulture)} {check.Limits?.Unit}".TrimEnd();
        return text.Length == 0 ? reading : $"{text} ({reading})";
    }

    public static string CombinedResult(string x, string y)
    {
        if (x == y) return x;
        if (y.Length == 0) return $"X: {x}";
        if (x.Length == 0) return $"Y: {y}";
        return $"X: {x} / Y: {y}";
    }

    public static string CombinedNames(string? technician, string? qcInspector) => (technician, qcInspector) switch
    {
        ({ Length: > 0 } t, { Length: > 0 } q) => $"{t} / QC: {q}",
        ({ Length: > 0 } t, _) => t,
        (_, { Length: > 0 } q) => $"QC: {q}",
        _ => "",
    };

    private string DateSpan(DateTime? startedUtc, DateTime? completedUtc)
    {
        var start = clock.Format(startedUtc, DayFormat);
        var end = clock.Format(completedUtc, DayFormat);
        if (start.Length == 0) return end;
        return end.Length == 0 || end == start ? start : $"{start} to {end}";
    }

    private static void Put(IXLWorksheet sheet, (int Row, int Column)? at, string value)
    {
        if (at is not { } place || value.Length == 0) return;
        var cell = sheet.Cell(place.Row, place.Column);
        // A column inside someone else's merged range would be hidden: only the top-left cell of a range shows.
        if (cell.IsMerged() && !cell.MergedRange().FirstCell().Address.Equals(cell.Address)) return;
        WriteText(cell, value);
    }

    /// <summary>Writes a value as a plain string cell: never a formula, never re-read as a number or date.</summary>
    public static void WriteText(IXLCell cell, string? value)
    {
        cell.SetValue(SpreadsheetText.Neutralise(value));
        cell.DataType = XLDataType.Text;
    }
}

/// <summary>One pack's Excel form (GET /api/packs/{packId}/report.xlsx).</summary>
public sealed class PackFormWriter(
    FormTemplateStore templates,
    PackReportReader reader,
    PackSheetFiller filler,
    PlantClock clock,
    ReportCopies copies,
    ILogger<PackFormWriter> log)
{
    public string FileNameFor(string packId) => $"{packId}_process-card_{clock.LocalNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.xlsx";

    public async Task<ReportResult> WriteAsync(string packId, Stream output, CancellationToken ct = default)
    {
        var pack = await reader.ReadPackAsync(packId, ct);
        if (pack is null) return new ReportResult(ReportOutcome.PackNotFound, $"Pack {packId} was not found.");
        var state = templates.Current;
        if (state.Template is not { } template)
            return new ReportResult(ReportOutcome.TemplateUnavailable, "The Excel form cannot be made: " + string.Join(" ", state.Problems));

        // The template's own package with the form sheet's XML rewritten (FormSheetXml): tens of milliseconds,
        // where opening, filling and saving the workbook with ClosedXML took about half a second.
        // Written to a buffer first: the package is written synchronously, the response body accepts only async writes.
        var (buffer, document) = template.OpenPackage();
        using var _ = buffer;
        using (document)
            template.SheetXml.WriteTo(template.FormSheet(document).Part, filler.Placements(template.Layout, pack));
        var fileName = FileNameFor(pack.PackId);
        buffer.Position = 0;
        await buffer.CopyToAsync(output, ct);
        await copies.SaveAsync(fileName, buffer, ct);
        log.LogInformation("Excel form of pack {PackId} written ({Bytes} bytes)", pack.PackId, buffer.Length);
        return new ReportResult(ReportOutcome.Written, $"Excel form of pack {pack.PackId}.", fileName);
    }
}

/// <summary>Keeps a copy of generated files in the Excel reports folder when BatteryMes:Reports:SaveCopies is on.</summary>
public sealed class ReportCopies(IOptions<ReportsOptions> options, IOptions<FolderOptions> folders, AppHome home, ILogger<ReportCopies> log)
{
    public bool Enabled => options.Value.SaveCopies;
    public string Folder => home.Resolve(folders.Value.ExcelReports);

    public async Task SaveAsync(string fileName, MemoryStream content, CancellationToken ct)
    {
        if (!Enabled) return;
        try
        {
            Directory.CreateDirectory(Folder);
            var path = Path.Combine(Folder, fileName);
            await File.WriteAllBytesAsync(path, content.ToArray(), ct);
            log.LogInformation("Report copy saved to {Path}", path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The download still succeeds: a full or read-only shared folder must not stop the report.
            log.LogWarning(ex, "Report copy {FileName} could not be saved in {Folder}", fileName, Folder);
        }
    }
}
