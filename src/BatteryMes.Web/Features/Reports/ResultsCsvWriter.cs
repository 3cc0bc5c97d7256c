using System.Globalization;
using System.Text;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using CsvHelper;

namespace BatteryMes.Web.Features.Reports;

/// <summary>Every check of every pack of a filter as CSV (GET /api/reports/results.csv): one row per pack x stage x
/// check, checks without a result included (empty), so 100,000 packs give 6.5 million rows. UTF-8 with a byte order
/// mark so that Excel shows names such as "Kömürcü" correctly. Streamed batch by batch straight to the output.</summary>
public sealed class ResultsCsvWriter(PackReportReader reader, ProcessRoute route, PlantClock clock)
{
    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    public static readonly string[] Headers =
    [
        "Pack ID", "Module X serial", "Module Y serial", "Pack status", "Stage", "Stage name", "Stage status",
        "Technician", "QC inspector", "Started", "Completed", "Remarks", "Check", "Check description",
        "Module X result", "Module X measured", "Module Y result", "Module Y measured", "Unit",
    ];

    public string FileName() => $"results_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.csv";

    /// <summary>Writes the CSV and returns the number of data rows.</summary>
    public async Task<long> WriteAsync(PackFilter filter, Stream output, CancellationToken ct = default)
    {
        var checks = route.Stages
            .SelectMany(s => s.Checks.Select(c => (Stage: s, Check: c, Description: SpreadsheetText.Neutralise(c.Description))))
            .ToList();
        await using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        // Neutralising is done by SpreadsheetText (the same rule as the Excel files), only on text fields: a
        // negative measured value stays a number.
        var csvOptions = new CsvWriterOptions { Injection = CsvInjection.None };
        await using var csv = CsvWriter.Create(text, csvOptions, true);
        foreach (var header in Headers) csv.WriteField(header);
        await csv.EndRecordAsync(ct);

        long rows = 0;
        await foreach (var pack in reader.ReadAsync(filter, withResults: true, ct: ct))
        {
            var packId = SpreadsheetText.Neutralise(pack.PackId);
            var serialX = SpreadsheetText.Neutralise(pack.ModuleXSerial);
            var serialY = SpreadsheetText.Neutralise(pack.ModuleYSerial);
            var packStatus = pack.Status.ToText();
            StageReport? record = null;
            RouteStage? current = null;
            string technician = "", inspector = "", remarks = "", started = "", completed = "", stageStatus = "";
            foreach (var (stage, check, description) in checks)
            {
                if (!ReferenceEquals(stage, current))
                {
                    current = stage;
                    record = pack.Stage(stage.Number);
                    stageStatus = (record?.Status ?? StageStatus.NotStarted).ToText();
                    technician = SpreadsheetText.Neutralise(record?.Technician);
                    inspector = SpreadsheetText.Neutralise(record?.QcInspector);
                    remarks = SpreadsheetText.Neutralise(record?.Remarks);
                    started = clock.Format(record?.StartedUtc, TimeFormat);
                    completed = clock.Format(record?.CompletedUtc, TimeFormat);
                }
                var entry = record is not null && record.Results.TryGetValue(check.Code, out var e) ? e : default;
                csv.WriteField(packId);
                csv.WriteField(serialX);
                csv.WriteField(serialY);
                csv.WriteField(packStatus);
                csv.WriteField(stage.Number.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(stage.Name);
                csv.WriteField(stageStatus);
                csv.WriteField(technician);
                csv.WriteField(inspector);
                csv.WriteField(started);
                csv.WriteField(completed);
                csv.WriteField(remarks);
                csv.WriteField(check.Code);
                csv.WriteField(description);
                csv.WriteField(entry.ModuleX.ToText());
                csv.WriteField(Number(entry.MeasuredX));
                csv.WriteField(entry.ModuleY.ToText());
                csv.WriteField(Number(entry.MeasuredY));
                csv.WriteField(check.Limits?.Unit ?? "");
                await csv.EndRecordAsync(ct);
                rows++;
            }
        }
        await csv.FlushAsync(ct);
        await text.FlushAsync(ct);
        return rows;
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}
