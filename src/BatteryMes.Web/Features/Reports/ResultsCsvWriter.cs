using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Reports;

/// <summary>Every check of every pack of a filter as CSV (GET /api/reports/results.csv): one row per pack x route stage x
/// route check, checks without a result included (empty), so 100,000 packs give 6.5 million rows. UTF-8 with a byte
/// order mark so that Excel shows names such as "Kömürcü" correctly.
/// <para>Built for size: the database is read on other threads (<see cref="ResultsCsvSources"/>: no tracking, no entities,
/// no object per row) while the CSV is formatted on this one; they pass a few packs at a time through
/// <see cref="PackBatches"/>, a fixed set of reused buffers, so memory held is a few hundred packs plus the write buffer
/// whatever the size of the export. The route's texts (stage names, check codes and descriptions, units) are encoded to
/// UTF-8 once per export.</para></summary>
public sealed class ResultsCsvWriter(IDbContextFactory<MesDbContext> contexts, ProcessRoute route, PlantClock clock)
{
    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    /// <summary>Bytes gathered before they are sent to the output (the response body): few, large writes.</summary>
    public const int BufferBytes = 1 << 20;

    public static readonly string[] Headers =
    [
        "Pack ID", "Module X serial", "Module Y serial", "Pack status", "Stage", "Stage name", "Stage status",
        "Technician", "QC inspector", "Started", "Completed", "Remarks", "Check", "Check description",
        "Module X result", "Module X measured", "Module Y result", "Module Y measured", "Unit",
    ];

    private readonly RouteText _route = new(route);

    /// <summary>SQLite: connections that read stage records and results at once, one per core up to four (0: the
    /// connection of the pack query reads them too).</summary>
    internal int SqliteFillers { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    public string FileName() => $"results_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.csv";

    /// <summary>Writes the CSV and returns the number of data rows.</summary>
    public async Task<long> WriteAsync(PackFilter filter, Stream output, CancellationToken ct = default)
    {
        // Neutralising is done by SpreadsheetText (the same rule as the Excel files), only on text fields: a
        // negative measured value stays a number.
        // Records are written synchronously into a spool that is sent on asynchronously once it holds BufferBytes:
        // an awaited EndRecordAsync per row cost ~80% more than the writing itself (6.5 million rows), and the
        // response body refuses synchronous writes.
        var spool = new MemoryStream(BufferBytes + (BufferBytes >> 2));
        var options = new CsvWriterOptions { Injection = CsvInjection.None, WriteByteOrderMark = true };
        await using var csv = CsvWriter.Create(spool, options, leaveOpen: true);
        foreach (var header in Headers) csv.WriteField(header);
        csv.EndRecord();

        var batches = new PackBatches(_route);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var reading = ResultsCsvSources.Run(contexts, db, filter, clock, batches, SqliteFillers, stop.Token);
        try
        {
            long rows = 0;
            await foreach (var batch in batches.InOrderAsync(stop.Token))
            {
                for (var i = 0; i < batch.Count; i++) rows += batch.Packs[i].Write(csv);
                batches.Return(batch);
                if (spool.Length >= BufferBytes)
                {
                    csv.Flush();
                    await SendAsync(spool, output, stop.Token);
                }
            }
            csv.Flush();
            await SendAsync(spool, output, stop.Token);
            await output.FlushAsync(stop.Token);
            return rows;
        }
        finally
        {
            // A failed write (the client went away) stops the reader too; either way it has ended before the
            // context and buffers go.
            await stop.CancelAsync();
            await reading;
        }
    }

    private static async Task SendAsync(MemoryStream spool, Stream output, CancellationToken ct)
    {
        await output.WriteAsync(spool.GetBuffer().AsMemory(0, (int)spool.Length), ct);
        spool.SetLength(0);
    }
}
