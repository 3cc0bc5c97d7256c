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
/// no object per row) and passed on a few packs at a time through <see cref="PackBatches"/>, a fixed set of reused
/// buffers, so memory held is a few hundred packs and their CSV text whatever the size of the export. The reading
/// threads also format their packs' rows, so formatting runs on every core; this one sends the batches in order. The route's texts (stage names, check codes and descriptions, units) are encoded to
/// UTF-8 once per export.</para></summary>
public sealed class ResultsCsvWriter(IDbContextFactory<MesDbContext> contexts, ProcessRoute route, PlantClock clock)
{
    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    public static readonly string[] Headers =
    [
        "Pack ID", "Module X serial", "Module Y serial", "Pack status", "Stage", "Stage name", "Stage status",
        "Technician", "QC inspector", "Started", "Completed", "Remarks", "Check", "Check description",
        "Module X result", "Module X measured", "Module Y result", "Module Y measured", "Unit",
        "Module X deviation", "Module Y deviation", "Check remark",
    ];

    private readonly RouteText _route = new(route);

    /// <summary>Connections that read stage records and results at once (0: the connection of the pack query reads them
    /// too). Unset: on SQLite one per core up to four, since all the reading is done in this process; on PostgreSQL
    /// four, since about half of it is the server's own work in its own processes and each reader also waits for its
    /// round trips (measured at 100,000 packs on 2 cores: 4.5 s with four against 5.2 s with two).</summary>
    internal int? Fillers { get; init; }

    private int FillersFor(MesDbContext db) => Fillers ?? (db.Database.IsNpgsql() ? 4 : Math.Clamp(Environment.ProcessorCount, 1, 4));

    /// <summary>The CsvHelper settings of the export: neutralising is done by SpreadsheetText (the same rule as the Excel
    /// files), only on text fields, so that a negative measured value stays a number.</summary>
    internal static CsvWriterOptions Options(bool byteOrderMark) => new() { Injection = CsvInjection.None, WriteByteOrderMark = byteOrderMark };

    /// <summary>How many connections read the last finished export's stage records and results at once (see
    /// <see cref="ResultsCsvSources"/>); for the tests and the benchmarks.</summary>
    internal int LastReaders { get; private set; }

    public string FileName() => $"results_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.csv";

    /// <summary>Writes the CSV and returns the number of data rows.</summary>
    public async Task<long> WriteAsync(PackFilter filter, Stream output, CancellationToken ct = default)
    {
        // The rows of each batch of packs are formatted into the batch's own buffer, by the filler that filled it
        // (several at once) or else here, and sent on as one write each: an awaited write per row cost ~80% more than
        // the writing itself (6.5 million rows), and the response body refuses synchronous writes.
        using var header = new MemoryStream();
        await using (var csv = CsvWriter.Create(header, Options(byteOrderMark: true), leaveOpen: true))
        {
            foreach (var name in Headers) csv.WriteField(name);
            csv.EndRecord();
        }

        using var batches = new PackBatches(_route);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var reading = ResultsCsvSources.Run(db, filter, clock, batches, FillersFor(db), stop.Token);
        try
        {
            // The header goes with the first batch: nothing reaches the client before the export's read transaction
            // has begun, so whatever the client sees is of the moment the export shows.
            var headerBytes = header.GetBuffer().AsMemory(0, (int)header.Length);
            long rows = 0;
            await foreach (var batch in batches.InOrderAsync(stop.Token))
            {
                if (!batch.Formatted) batch.Format();
                if (!headerBytes.IsEmpty) await output.WriteAsync(headerBytes, stop.Token);
                headerBytes = default;
                rows += batch.Rows;
                await output.WriteAsync(batch.Csv, stop.Token);
                batches.Return(batch);
            }
            if (!headerBytes.IsEmpty) await output.WriteAsync(headerBytes, stop.Token);
            await output.FlushAsync(stop.Token);
            LastReaders = batches.ReadersAtOnce;
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
}
