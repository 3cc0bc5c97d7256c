using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using ClosedXML.Excel;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

public sealed record MasterResult(int Packs, int PackSheets, string Note, string FileName);

/// <summary>All packs of a filter in one workbook (GET /api/reports/master.xlsx): a summary sheet first (one row per
/// pack), then one sheet per pack in the plant's form, copied from the template sheet inside the same workbook
/// (one template read instead of one per pack).
/// Limits, because ClosedXML builds the whole workbook in memory: per-pack sheets only when the filter holds at most
/// BatteryMes:Reports:MaxPackSheets packs (default 50), otherwise the summary alone with a note; the summary itself
/// stops at <see cref="MaxSummaryRows"/> packs (the CSV export has no limit).</summary>
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
    private const int FixedColumns = 7;

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

        using var workbook = withSheets ? template!.Open() : new XLWorkbook();
        var summary = workbook.AddWorksheet(SummarySheetName, 1);
        WriteSummaryHead(summary, filter, count, note);
        var templateSheet = withSheets ? workbook.Worksheet(template!.Layout.SheetName) : null;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { SummarySheetName };
        if (templateSheet is not null) names.Add(templateSheet.Name);

        var row = SummaryHeaderRow;
        var sheets = 0;
        await foreach (var pack in reader.ReadAsync(filter, withResults: withSheets, ct: ct))
        {
            if (row - SummaryHeaderRow >= MaxSummaryRows) break;
            WriteSummaryRow(summary, ++row, pack);
            if (templateSheet is null) continue;
            var sheet = templateSheet.CopyTo(UniqueSheetName(pack.PackId, names));
            filler.Fill(sheet, template!.Layout, pack);
            sheets++;
        }
        templateSheet?.Delete();
        summary.SetTabActive();
        summary.Select();

        using var buffer = new MemoryStream();
        workbook.SaveAs(buffer);
        buffer.Position = 0;
        await buffer.CopyToAsync(output, ct);
        var fileName = FileName();
        await copies.SaveAsync(fileName, buffer, ct);
        log.LogInformation("Master workbook written: {Packs} packs, {Sheets} pack sheets, {Bytes} bytes", count, sheets, buffer.Length);
        return new MasterResult(count, sheets, note, fileName);
    }

    /// <summary>Excel sheet names: at most 31 characters, unique regardless of case.</summary>
    private static string UniqueSheetName(string packId, HashSet<string> taken)
    {
        var name = packId.Length > 31 ? packId[..31] : packId;
        for (var n = 2; !taken.Add(name); n++)
        {
            var suffix = $"~{n}";
            name = (packId.Length + suffix.Length > 31 ? packId[..(31 - suffix.Length)] : packId) + suffix;
        }
        return name;
    }

    private void WriteSummaryHead(IXLWorksheet sheet, PackFilter filter, int count, string note)
    {
        PackSheetFiller.WriteText(sheet.Cell(1, 1), "Battery MES - master workbook");
        sheet.Cell(1, 1).Style.Font.Bold = true;
        sheet.Cell(1, 1).Style.Font.FontSize = 14;
        PackSheetFiller.WriteText(sheet.Cell(2, 1), $"Generated {clock.LocalNow.ToString(PackSheetFiller.DateFormat, CultureInfo.InvariantCulture)}; {filter.Describe()}; {count} packs.");
        PackSheetFiller.WriteText(sheet.Cell(3, 1), note);

        var headers = new List<string> { "Pack ID", "Module X serial", "Module Y serial", "Status", "Current stage", "Created", "Ready for dispatch" };
        foreach (var stage in route.Stages)
        {
            headers.Add($"{stage.Number}. {stage.Name} - status");
            headers.Add($"{stage.Number}. {stage.Name} - started");
            headers.Add($"{stage.Number}. {stage.Name} - completed");
        }
        for (var i = 0; i < headers.Count; i++) PackSheetFiller.WriteText(sheet.Cell(SummaryHeaderRow, i + 1), headers[i]);
        var head = sheet.Range(SummaryHeaderRow, 1, SummaryHeaderRow, headers.Count);
        head.Style.Font.Bold = true;
        head.Style.Fill.BackgroundColor = XLColor.FromArgb(0xD9, 0xD9, 0xD9);
        head.Style.Alignment.WrapText = true;
        // Explicit widths: AdjustToContents needs libgdiplus and is slow (STACK_NOTES).
        sheet.Column(1).Width = 22;
        sheet.Columns(2, 3).Width = 18;
        sheet.Columns(4, headers.Count).Width = 17;
        sheet.SheetView.FreezeRows(SummaryHeaderRow);
        sheet.SheetView.FreezeColumns(1);
    }

    private void WriteSummaryRow(IXLWorksheet sheet, int row, PackReport pack)
    {
        var col = 1;
        void Next(string? value)
        {
            if (!string.IsNullOrEmpty(value)) PackSheetFiller.WriteText(sheet.Cell(row, col), value);
            col++;
        }
        Next(pack.PackId);
        Next(pack.ModuleXSerial);
        Next(pack.ModuleYSerial);
        Next(pack.Status.ToText());
        Next(route.FindStage(pack.CurrentStage)?.ToString() ?? pack.CurrentStage.ToString(CultureInfo.InvariantCulture));
        Next(clock.Format(pack.CreatedUtc, PackSheetFiller.DateFormat));
        Next(clock.Format(pack.CompletedUtc, PackSheetFiller.DateFormat));
        foreach (var stage in route.Stages)
        {
            var record = pack.Stage(stage.Number);
            Next((record?.Status ?? StageStatus.NotStarted).ToText());
            Next(clock.Format(record?.StartedUtc, PackSheetFiller.DateFormat));
            Next(clock.Format(record?.CompletedUtc, PackSheetFiller.DateFormat));
        }
    }
}
