using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

public enum ReportOutcome
{
    Written,
    PackNotFound,
    TemplateUnavailable,
    TemplateHidesResults,
}

public sealed record ReportResult(ReportOutcome Outcome, string Message, string? FileName = null, IReadOnlyList<string>? Problems = null)
{
    public bool Succeeded => Outcome == ReportOutcome.Written;
}

/// <summary>What goes where on one pack's form. Rows are found by check code and columns by header (see
/// <see cref="FormLayout"/>); result texts come from <see cref="FormCellText"/>. Values are plain text (the form
/// sheet writer stores them as strings, never formulas).</summary>
public sealed class PackSheetFiller(ProcessRoute route, PlantClock clock)
{
    public const string DateFormat = "yyyy-MM-dd HH:mm";
    public const string DayFormat = "yyyy-MM-dd";

    /// <summary>Every value of a pack's form and where it goes: title cells, each form row's columns (a row may carry
    /// several checks of its stage), the stage's remark once in its first row, and the note naming the checks the form
    /// has no place for. Both the pack form and the master workbook's sheets are written from this.</summary>
    public IEnumerable<(int Row, int Column, string Value)> Placements(FormLayout layout, PackReport pack)
    {
        if (layout.SerialNumberCell is { } serial) yield return (serial.Row, serial.Column, pack.PackId);
        if (layout.PackAndModulesCell is { } modules) yield return (modules.Row, modules.Column, PackAndModulesText(pack));
        if (layout.DateIssuedCell is { } issued) yield return (issued.Row, issued.Column, clock.LocalNow.ToString(DayFormat, CultureInfo.InvariantCulture));

        foreach (var stage in route.Stages)
        {
            if (pack.Stage(stage.Number) is not { } record || !layout.RowsByStage.TryGetValue(stage.Number, out var rows)) continue;
            // The stage's own texts (dates, names) are the same on each of its rows: made once.
            var texts = new StageTexts(record, clock.Format(record.StartedUtc, DateFormat), clock.Format(record.CompletedUtc, DateFormat),
                DateSpan(record.StartedUtc, record.CompletedUtc), CombinedNames(record.Technician, record.QcInspector));
            // The stage has one remark: printed once, in its first row that has a remarks column.
            var remarkRow = rows.FirstOrDefault(r => r.Section.Columns.ContainsKey(FormColumn.Remarks))?.Row;
            foreach (var row in rows)
            {
                var readings = row.Checks.Select(c => Readings(c, record)).ToList();
                foreach (var (column, value) in RowValues(row.Section, readings, texts, row.Row == remarkRow))
                {
                    if (row.Section.Columns.TryGetValue(column, out var at)) yield return (row.Row, at, value);
                }
            }
        }

        if (layout.Unplaced.Count > 0 && layout.NoteCell is { } note)
            yield return (note.Row, note.Column, FormCellText.NotOnForm(layout.Unplaced.Select(c => Readings(c, pack.Stage(route.StageOfCheck(c.Code)!.Number))).ToList()));
    }

    public static string PackAndModulesText(PackReport pack) =>
        $"Pack : {pack.PackId}  Module : {pack.ModuleXSerial ?? "-"} & {pack.ModuleYSerial ?? "-"}";

    private sealed record StageTexts(StageReport Stage, string Started, string Completed, string DateSpan, string Names);

    private static (CheckReading X, CheckReading Y) Readings(QcCheck check, StageReport? record)
    {
        var unit = check.Limits?.Unit ?? "";
        if (record is null || !record.Results.TryGetValue(check.Code, out var entry)) return (CheckReading.Empty(check.Code, unit), CheckReading.Empty(check.Code, unit));
        return (new CheckReading(check.Code, entry.ModuleX, entry.MeasuredX, unit, entry.DeviationX, entry.Remark),
            new CheckReading(check.Code, entry.ModuleY, entry.MeasuredY, unit, entry.DeviationY, entry.Remark));
    }

    /// <summary>What a form row shows. In the pack-level part of the form (one "Pack QC Result", "Date" and "Name"
    /// column) the two modules' results are combined; Date is the stage's start day, or "start to end" when it ended
    /// on another day; Name is the technician, then "QC: " and the QC inspector.</summary>
    private static IEnumerable<(FormColumn Column, string Value)> RowValues(FormSection section, IReadOnlyList<(CheckReading X, CheckReading Y)> readings,
        StageTexts texts, bool withRemark)
    {
        var stage = texts.Stage;
        if (section.IsPackLevel)
        {
            yield return (FormColumn.PackResult, FormCellText.Pack(readings));
            yield return (FormColumn.Date, texts.DateSpan);
            yield return (FormColumn.Name, texts.Names);
        }
        else
        {
            yield return (FormColumn.ModuleX, FormCellText.Module(readings.Select(r => r.X).ToList()));
            yield return (FormColumn.ModuleY, FormCellText.Module(readings.Select(r => r.Y).ToList()));
            yield return (FormColumn.StartDate, texts.Started);
            yield return (FormColumn.EndDate, texts.Completed);
            yield return (FormColumn.Technician, stage.Technician ?? "");
            yield return (FormColumn.QcInspector, stage.QcInspector ?? "");
        }
        // The stage's remark once, on its first row; each check's own remark on its row.
        var remarks = FormCellText.Remarks(withRemark ? stage.Remarks : null, readings.Select(r => r.X));
        if (withRemark || remarks.Length > 0) yield return (FormColumn.Remarks, remarks);
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
}

/// <summary>One pack's Excel form (GET /api/packs/{packId}/report.xlsx).</summary>
public sealed class PackFormWriter(
    FormTemplateStore templates,
    PackReportReader reader,
    PackSheetFiller filler,
    PlantClock clock,
    ReportCopies copies,
    IOptions<ReportsOptions> options,
    ILogger<PackFormWriter> log)
{
    public string FileNameFor(string packId) => $"{packId}_process-card_{clock.LocalNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.xlsx";

    public async Task<ReportResult> WriteAsync(string packId, Stream output, CancellationToken ct = default)
    {
        var pack = await reader.ReadPackAsync(packId, ct);
        if (pack is null) return new ReportResult(ReportOutcome.PackNotFound, $"Pack {packId} was not found.");
        var state = templates.Current;
        if (state.Template is not { } template)
            return new ReportResult(ReportOutcome.TemplateUnavailable, "The Excel form cannot be made: " + string.Join(" ", state.Problems), Problems: state.Problems);
        // A form that silently leaves out a recorded result (a NOT OK above all) is worse than no form.
        if (!state.FormsAllowed(options.Value.AcknowledgedTemplateProblems))
            return new ReportResult(ReportOutcome.TemplateHidesResults,
                $"The Excel form template '{template.Path}' has no place for some results ({state.Problems.Count} problem(s)), so the form of pack {pack.PackId} is not made. " +
                $"Fix the template or the route file's \"formRow\" entries, or set {ReportsOptions.Section}:AcknowledgedTemplateProblems to true to make forms that list the missing checks in a note.",
                Problems: state.Problems);

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

    /// <summary>Saves the whole of <paramref name="content"/> (from its start) under <paramref name="fileName"/>.</summary>
    public async Task SaveAsync(string fileName, Stream content, CancellationToken ct)
    {
        if (!Enabled) return;
        try
        {
            Directory.CreateDirectory(Folder);
            var path = Path.Combine(Folder, fileName);
            content.Position = 0;
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
                await content.CopyToAsync(file, ct);
            log.LogInformation("Report copy saved to {Path}", path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The download still succeeds: a full or read-only shared folder must not stop the report.
            log.LogWarning(ex, "Report copy {FileName} could not be saved in {Folder}", fileName, Folder);
        }
    }
}
