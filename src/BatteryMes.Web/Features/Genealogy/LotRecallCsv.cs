using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Reports;
using CsvHelper;

namespace BatteryMes.Web.Features.Genealogy;

/// <summary>The recall list of a lot as CSV: one row per pack holding a cell of the lot, UTF-8 with a byte order mark
/// like the results CSV, text neutralised against spreadsheet formulas.</summary>
public sealed class LotRecallCsv(TraceQueries trace, PlantClock clock)
{
    public static readonly string[] Headers = ["Lot", "Pack ID", "Pack status", "Current stage", "Stage name", "Cells of the lot", "On hold", "Held since", "Held by"];

    public string FileName(string lot) =>
        $"recall_{string.Concat(ComponentSerial.Canonical(lot).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'))}_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.csv";

    public async Task<int> WriteAsync(string lot, Stream output, CancellationToken ct = default)
    {
        lot = ComponentSerial.Canonical(lot);
        var rows = 0;
        using var buffer = new MemoryStream();
        await using (var csv = CsvWriter.Create(buffer, ResultsCsvWriter.Options(byteOrderMark: true), leaveOpen: true))
        {
            foreach (var name in Headers) csv.WriteField(name);
            csv.EndRecord();
            await foreach (var row in trace.AllPacksOfLotAsync(lot, ct))
            {
                var p = row.Pack;
                csv.WriteField(SpreadsheetText.Neutralise(lot));
                csv.WriteField(SpreadsheetText.Neutralise(p.PackId));
                csv.WriteField(p.Status.ToText());
                csv.WriteField(p.CurrentStage.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(SpreadsheetText.Neutralise(p.CurrentStageName));
                csv.WriteField(row.CellsOfLot.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(SpreadsheetText.Neutralise(p.HoldReason));
                csv.WriteField(p.HeldUtc is { } at ? clock.Format(at, "yyyy-MM-dd HH:mm:ss") : "");
                csv.WriteField(SpreadsheetText.Neutralise(p.HeldBy));
                csv.EndRecord();
                rows++;
            }
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(output, ct);
        return rows;
    }
}
