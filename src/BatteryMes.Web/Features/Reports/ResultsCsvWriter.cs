using System.Data.Common;
using System.Globalization;
using System.Text;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Reports;

/// <summary>Every check of every pack of a filter as CSV (GET /api/reports/results.csv): one row per pack x route stage x
/// route check, checks without a result included (empty), so 100,000 packs give 6.5 million rows. UTF-8 with a byte
/// order mark so that Excel shows names such as "Kömürcü" correctly.
/// <para>Built for size: ONE query (<see cref="PackRowsQuery"/>: packs of the filter, left-joined to their stage records
/// and check results, ordered by pack and stage) read with a plain data reader on the context's connection: no
/// tracking, no entities, no object per row. Pack and stage columns are read only when the pack or stage changes; the route's texts (stage names,
/// check codes and descriptions, units) are encoded to UTF-8 once per writer; a pack's results are gathered into
/// arrays in route order and written when the next pack starts. Memory held is one pack plus the write buffer.</para></summary>
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

    public string FileName() => $"results_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.csv";

    /// <summary>Writes the CSV and returns the number of data rows.</summary>
    public async Task<long> WriteAsync(PackFilter filter, Stream output, CancellationToken ct = default)
    {
        // Neutralising is done by SpreadsheetText (the same rule as the Excel files), only on text fields: a
        // negative measured value stays a number.
        // Records are written synchronously into a spool that is sent on asynchronously after each pack once it holds
        // BufferBytes: an awaited EndRecordAsync per row cost ~80% more than the writing itself (6.5 million rows), and
        // the response body refuses synchronous writes.
        var spool = new MemoryStream(BufferBytes + (BufferBytes >> 2));
        var options = new CsvWriterOptions { Injection = CsvInjection.None, WriteByteOrderMark = true };
        await using var csv = CsvWriter.Create(spool, options, leaveOpen: true);
        foreach (var header in Headers) csv.WriteField(header);
        csv.EndRecord();

        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var command = PackRowsQuery.Command(db, filter, clock, withResults: true);
        await PackRowsQuery.OpenAsync(db, ct);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            PackRowsQuery.CheckShape(reader, withResults: true);
            var pack = new PackRows(_route, clock);
            long rows = 0;
            // Each column read is a call into the provider (two into SQLite): per row only the stage record's ID and
            // the result's columns are read; pack and stage columns only when the stage record changes.
            StageRows? stage = null;
            long stageRow = -1;
            while (await reader.ReadAsync(ct))
            {
                var hasStage = !reader.IsDBNull(PackRowsQuery.StageRow);
                var rowOfStage = hasStage ? reader.GetInt64(PackRowsQuery.StageRow) : 0;
                if (!hasStage || rowOfStage != stageRow)
                {
                    stageRow = rowOfStage;
                    var packRow = reader.GetInt64(PackRowsQuery.PackRow);
                    if (packRow != pack.RowId)
                    {
                        rows += pack.Write(csv);
                        if (spool.Length >= BufferBytes) await SendAsync(spool, output, ct);
                        pack.Start(packRow, reader);
                    }
                    stage = hasStage ? pack.Stage(reader) : null;
                }
                if (stage is null || reader.IsDBNull(PackRowsQuery.CheckCode)) continue;
                stage.Record(reader);
            }
            rows += pack.Write(csv);
            csv.Flush();
            await SendAsync(spool, output, ct);
            await output.FlushAsync(ct);
            return rows;
        }
        finally
        {
            await PackRowsQuery.CloseAsync(db);
        }
    }

    private static async Task SendAsync(MemoryStream spool, Stream output, CancellationToken ct)
    {
        await output.WriteAsync(spool.GetBuffer().AsMemory(0, (int)spool.Length), ct);
        spool.SetLength(0);
    }

    private static byte[] Utf8(string? text) => Encoding.UTF8.GetBytes(text ?? "");

    /// <summary>The route's texts as UTF-8, made once: they are the same on every pack.</summary>
    private sealed class RouteText
    {
        public RouteText(ProcessRoute route)
        {
            Stages = route.Stages.Select(s => new StageText(s)).ToArray();
            StageIndex = route.Stages.Select((s, i) => (s.Number, i)).ToDictionary(x => x.Number, x => x.i);
            NotStarted = Utf8(StageStatus.NotStarted.ToText());
            StageStatuses = Enum.GetValues<StageStatus>().ToDictionary(s => (int)s, s => Utf8(s.ToText()));
            PackStatuses = Enum.GetValues<PackStatus>().ToDictionary(s => (int)s, s => Utf8(s.ToText()));
            Results = Enum.GetValues<QcResult>().ToDictionary(r => (int)r, r => Utf8(r.ToText()));
        }

        public StageText[] Stages { get; }
        public Dictionary<int, int> StageIndex { get; }
        public byte[] NotStarted { get; }
        public Dictionary<int, byte[]> StageStatuses { get; }
        public Dictionary<int, byte[]> PackStatuses { get; }
        public Dictionary<int, byte[]> Results { get; }

        public byte[] Result(int value) => Results.TryGetValue(value, out var text) ? text : [];
    }

    private sealed class StageText(RouteStage stage)
    {
        public byte[] Number { get; } = Utf8(stage.Number.ToString(CultureInfo.InvariantCulture));
        public byte[] Name { get; } = Utf8(stage.Name);
        public byte[][] Codes { get; } = stage.Checks.Select(c => Utf8(c.Code)).ToArray();
        public byte[][] Descriptions { get; } = stage.Checks.Select(c => Utf8(SpreadsheetText.Neutralise(c.Description))).ToArray();
        public byte[][] Units { get; } = stage.Checks.Select(c => Utf8(c.Limits?.Unit)).ToArray();
        public Dictionary<string, int> CheckIndex { get; } = stage.Checks.Select((c, i) => (c.Code, i)).ToDictionary(x => x.Code, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>One stage record of the current pack: its own columns and its results by route check position.</summary>
    private sealed class StageRows(StageText text)
    {
        private readonly Dictionary<string, int> _checkIndex = text.CheckIndex;
        public readonly int[] ModuleX = new int[text.Codes.Length];
        public readonly int[] ModuleY = new int[text.Codes.Length];
        public readonly double?[] MeasuredX = new double?[text.Codes.Length];
        public readonly double?[] MeasuredY = new double?[text.Codes.Length];
        public bool Present;
        public long RowId;
        public byte[] Status = [], Technician = [], Inspector = [], Remarks = [], Started = [], Completed = [];

        public void Clear()
        {
            Present = false;
            RowId = 0;
            Array.Clear(ModuleX);
            Array.Clear(ModuleY);
            Array.Clear(MeasuredX);
            Array.Clear(MeasuredY);
        }

        public void Record(DbDataReader reader)
        {
            // A result whose check the route no longer has is not in the export (the route decides the rows).
            if (!_checkIndex.TryGetValue(reader.GetString(PackRowsQuery.CheckCode), out var i)) return;
            // Not null when the result row exists (required columns).
            ModuleX[i] = reader.GetInt32(PackRowsQuery.ModuleX);
            ModuleY[i] = reader.GetInt32(PackRowsQuery.ModuleY);
            MeasuredX[i] = reader.IsDBNull(PackRowsQuery.MeasuredX) ? null : reader.GetDouble(PackRowsQuery.MeasuredX);
            MeasuredY[i] = reader.IsDBNull(PackRowsQuery.MeasuredY) ? null : reader.GetDouble(PackRowsQuery.MeasuredY);
        }
    }

    /// <summary>The pack being read: its columns, one <see cref="StageRows"/> per route stage, written out when done.</summary>
    private sealed class PackRows(RouteText route, PlantClock clock)
    {
        private readonly StageRows[] _stages = route.Stages.Select(s => new StageRows(s)).ToArray();
        private byte[] _packId = [], _serialX = [], _serialY = [], _status = [];
        public long RowId { get; private set; }

        public void Start(long rowId, DbDataReader reader)
        {
            RowId = rowId;
            _packId = Utf8(SpreadsheetText.Neutralise(reader.GetString(PackRowsQuery.PackId)));
            _serialX = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.ModuleXSerial)));
            _serialY = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.ModuleYSerial)));
            _status = route.PackStatuses.TryGetValue(reader.GetInt32(PackRowsQuery.PackStatus), out var s) ? s : [];
            foreach (var stage in _stages) stage.Clear();
        }

        /// <summary>The route stage of the reader's stage record, its columns read when this row starts it.</summary>
        public StageRows? Stage(DbDataReader reader)
        {
            if (!route.StageIndex.TryGetValue(reader.GetInt32(PackRowsQuery.StageNumber), out var index)) return null;
            var stage = _stages[index];
            var rowId = reader.GetInt64(PackRowsQuery.StageRow);
            if (stage.RowId == rowId) return stage;
            stage.RowId = rowId;
            stage.Present = true;
            stage.Status = route.StageStatuses.TryGetValue(reader.GetInt32(PackRowsQuery.StageStatus), out var s) ? s : [];
            stage.Technician = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.Technician)));
            stage.Inspector = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.QcInspector)));
            stage.Remarks = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.Remarks)));
            stage.Started = Utf8(clock.Format(PackRowsQuery.Time(reader, PackRowsQuery.Started), TimeFormat));
            stage.Completed = Utf8(clock.Format(PackRowsQuery.Time(reader, PackRowsQuery.Completed), TimeFormat));
            return stage;
        }

        /// <summary>Writes the pack's rows (every route stage and check) and returns how many.</summary>
        public long Write(CsvWriter csv)
        {
            if (RowId == 0) return 0;
            long rows = 0;
            for (var s = 0; s < _stages.Length; s++)
            {
                var text = route.Stages[s];
                var stage = _stages[s];
                for (var c = 0; c < text.Codes.Length; c++)
                {
                    csv.WriteField(_packId.AsSpan());
                    csv.WriteField(_serialX.AsSpan());
                    csv.WriteField(_serialY.AsSpan());
                    csv.WriteField(_status.AsSpan());
                    csv.WriteField(text.Number.AsSpan());
                    csv.WriteField(text.Name.AsSpan());
                    if (stage.Present)
                    {
                        csv.WriteField(stage.Status.AsSpan());
                        csv.WriteField(stage.Technician.AsSpan());
                        csv.WriteField(stage.Inspector.AsSpan());
                        csv.WriteField(stage.Started.AsSpan());
                        csv.WriteField(stage.Completed.AsSpan());
                        csv.WriteField(stage.Remarks.AsSpan());
                    }
                    else
                    {
                        csv.WriteField(route.NotStarted.AsSpan());
                        for (var i = 0; i < 5; i++) csv.WriteField(ReadOnlySpan<byte>.Empty);
                    }
                    csv.WriteField(text.Codes[c].AsSpan());
                    csv.WriteField(text.Descriptions[c].AsSpan());
                    csv.WriteField(route.Result(stage.ModuleX[c]).AsSpan());
                    csv.WriteField(stage.MeasuredX[c], default);
                    csv.WriteField(route.Result(stage.ModuleY[c]).AsSpan());
                    csv.WriteField(stage.MeasuredY[c], default);
                    csv.WriteField(text.Units[c].AsSpan());
                    csv.EndRecord();
                    rows++;
                }
            }
            RowId = 0;
            return rows;
        }
    }
}
