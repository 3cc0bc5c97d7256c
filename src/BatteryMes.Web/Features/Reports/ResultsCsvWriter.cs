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
/// route check, checks without a result included (empty), so 100,000 packs give 6.3 million rows. UTF-8 with a byte
/// order mark so that Excel shows names such as "Kömürcü" correctly.
/// <para>Built for size. The filter's packs are cut into chunks of <see cref="ChunkPackRows"/> pack row IDs; each chunk is
/// ONE query (<see cref="PackRowsQuery"/> with the chunk's ID range: packs left-joined to their stage records and check
/// results, ordered by pack and stage) read with a plain data reader, no tracking, no entities. <see cref="Readers"/>
/// chunks are read and turned into CSV bytes at once on their own connections (the database read is most of the
/// work; two cores read two chunks), and the finished chunks are sent to the output strictly in order, at most
/// <see cref="ChunksInFlight"/> held at a time: memory is bounded by the chunk size, not by the number of packs.</para>
/// <para>The CSV itself: quoting and escaping are CsvHelper's, applied once to each piece of text (a stage record's
/// twelve leading fields, a route check's code and description, the result words) rather than once per row; a row is
/// then those bytes copied together with the two measured values formatted in place.</para></summary>
public sealed class ResultsCsvWriter(IDbContextFactory<MesDbContext> contexts, ProcessRoute route, PlantClock clock)
{
    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    /// <summary>Pack row IDs per chunk (one query each): about 3 MB of CSV for full packs.</summary>
    public const int ChunkPackRows = 250;

    /// <summary>Chunks read at once, each on its own connection.</summary>
    public const int Readers = 2;

    /// <summary>Chunks read or waiting to be sent at most (the memory bound: this many chunk buffers).</summary>
    public const int ChunksInFlight = 4;

    public static readonly string[] Headers =
    [
        "Pack ID", "Module X serial", "Module Y serial", "Pack status", "Stage", "Stage name", "Stage status",
        "Technician", "QC inspector", "Started", "Completed", "Remarks", "Check", "Check description",
        "Module X result", "Module X measured", "Module Y result", "Module Y measured", "Unit",
    ];

    private readonly CsvPieces _pieces = new(route);

    public string FileName() => $"results_{clock.LocalNow.ToString("yyyy-MM-dd_HHmm", CultureInfo.InvariantCulture)}.csv";

    /// <summary>Writes the CSV and returns the number of data rows.</summary>
    public async Task<long> WriteAsync(PackFilter filter, Stream output, CancellationToken ct = default)
    {
        await output.WriteAsync(_pieces.Preamble, ct);
        await output.WriteAsync(_pieces.HeaderRow, ct);

        // Chunk bounds: every ChunkPackRows-th pack row ID of the filter (one long per chunk held).
        var starts = new List<long>();
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            long seen = 0;
            await foreach (var id in filter.Apply(db.Packs.AsNoTracking(), clock).OrderBy(p => p.Id).Select(p => p.Id).AsAsyncEnumerable().WithCancellation(ct))
                if (seen++ % ChunkPackRows == 0) starts.Add(id);
        }
        if (starts.Count == 0)
        {
            await output.FlushAsync(ct);
            return 0;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(ChunksInFlight);
        var done = new TaskCompletionSource<Chunk>[starts.Count];
        for (var i = 0; i < done.Length; i++) done[i] = new TaskCompletionSource<Chunk>(TaskCreationOptions.RunContinuationsAsynchronously);
        var freeBuffers = new System.Collections.Concurrent.ConcurrentBag<MemoryStream>();
        long next = -1;

        async Task ReadChunksAsync()
        {
            var token = stop.Token;
            while (true)
            {
                await slots.WaitAsync(token);
                var index = Interlocked.Increment(ref next);
                if (index >= done.Length)
                {
                    slots.Release();
                    return;
                }
                try
                {
                    var buffer = freeBuffers.TryTake(out var b) ? b : new MemoryStream(1 << 22);
                    buffer.SetLength(0);
                    var to = index + 1 < starts.Count ? starts[(int)index + 1] : long.MaxValue;
                    var rows = await ReadChunkAsync(filter, starts[(int)index], to, buffer, token);
                    done[index].TrySetResult(new Chunk(buffer, rows));
                }
                catch (Exception e)
                {
                    done[index].TrySetException(e);
                    throw;
                }
            }
        }

        var readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(ReadChunksAsync, stop.Token)).ToArray();
        try
        {
            long total = 0;
            foreach (var slot in done)
            {
                var chunk = await slot.Task.WaitAsync(ct);
                await output.WriteAsync(chunk.Buffer.GetBuffer().AsMemory(0, (int)chunk.Buffer.Length), ct);
                total += chunk.Rows;
                freeBuffers.Add(chunk.Buffer);
                slots.Release();
            }
            await output.FlushAsync(ct);
            await Task.WhenAll(readers);
            return total;
        }
        finally
        {
            await stop.CancelAsync();
            try { await Task.WhenAll(readers); }
            catch (Exception) when (stop.IsCancellationRequested) { /* the failure or cancellation is already on its way up */ }
        }
    }

    private sealed record Chunk(MemoryStream Buffer, long Rows);

    /// <summary>Reads the packs whose row IDs are in [from, to) and writes their rows to <paramref name="buffer"/>.</summary>
    private async Task<long> ReadChunkAsync(PackFilter filter, long from, long to, MemoryStream buffer, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var command = PackRowsQuery.Command(db, filter, clock, withResults: true, (from, to));
        await PackRowsQuery.OpenAsync(db, ct);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            PackRowsQuery.CheckShape(reader, withResults: true);
            var pack = new PackRows(_pieces, clock);
            long rows = 0;
            // Each column read is a call into the provider: per row only the stage record's ID and the result's
            // columns are read; pack and stage columns only when the stage record changes.
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
                        rows += pack.Write(buffer);
                        pack.Start(packRow, reader);
                    }
                    stage = hasStage ? pack.Stage(reader) : null;
                }
                if (stage is null || reader.IsDBNull(PackRowsQuery.CheckCode)) continue;
                stage.Record(reader);
            }
            rows += pack.Write(buffer);
            return rows;
        }
        finally
        {
            await PackRowsQuery.CloseAsync(db);
        }
    }

    /// <summary>Fields as CsvHelper writes them (its quoting and escaping), separated, without the record end. One per
    /// thread.</summary>
    private sealed class FieldEncoder
    {
        private readonly MemoryStream _spool = new();
        private readonly CsvWriter _csv;

        public FieldEncoder()
        {
            _csv = CsvWriter.Create(_spool, new CsvWriterOptions { Injection = CsvInjection.None, WriteByteOrderMark = false, ValidateFieldCount = false }, leaveOpen: true);
            // A probe record tells the separator and the record end CsvHelper writes.
            _csv.WriteField("x"u8);
            _csv.WriteField("y"u8);
            _csv.EndRecord();
            _csv.Flush();
            var probe = _spool.ToArray();
            var y = probe.AsSpan(1).IndexOf("y"u8);
            if (probe[0] != (byte)'x' || y < 0) throw new InvalidOperationException("CsvHelper wrote an unexpected probe record.");
            Separator = probe.AsSpan(1, y).ToArray();
            RecordEnd = probe.AsSpan(2 + y).ToArray();
            _spool.SetLength(0);
        }

        public byte[] Separator { get; }
        public byte[] RecordEnd { get; }

        public byte[] Fields(params ReadOnlySpan<byte[]> fields)
        {
            // After a leading "x" as in the middle of a row (a record of one empty field alone would be written "").
            _csv.WriteField("x"u8);
            foreach (var field in fields) _csv.WriteField(field.AsSpan());
            _csv.EndRecord();
            _csv.Flush();
            var skip = 1 + Separator.Length;
            var bytes = _spool.GetBuffer().AsSpan(skip, (int)_spool.Length - skip - RecordEnd.Length).ToArray();
            _spool.SetLength(0);
            return bytes;
        }
    }

    /// <summary>The CSV bytes that do not change from row to row, each made once by CsvHelper (its quoting and
    /// escaping): the header row, each route check's code and description and unit, the result words, and the field
    /// separator and record end it writes.</summary>
    private sealed class CsvPieces
    {
        public CsvPieces(ProcessRoute route)
        {
            var encoder = new FieldEncoder();
            Separator = encoder.Separator;
            RecordEnd = encoder.RecordEnd;
            Preamble = Encoding.UTF8.Preamble.ToArray();
            HeaderRow = [.. encoder.Fields(Headers.Select(Utf8).ToArray()), .. RecordEnd];
            Stages = route.Stages.Select(s => new StageText(encoder, s)).ToArray();
            StageIndex = route.Stages.Select((s, i) => (s.Number, i)).ToDictionary(x => x.Number, x => x.i);
            NotStarted = Utf8(StageStatus.NotStarted.ToText());
            StageStatuses = Enum.GetValues<StageStatus>().ToDictionary(s => (int)s, s => Utf8(s.ToText()));
            PackStatuses = Enum.GetValues<PackStatus>().ToDictionary(s => (int)s, s => Utf8(s.ToText()));
            var results = Enum.GetValues<QcResult>().ToDictionary(r => (int)r, r => encoder.Fields(Utf8(r.ToText())));
            Results = new byte[results.Keys.Max() + 1][];
            for (var i = 0; i < Results.Length; i++) Results[i] = results.GetValueOrDefault(i, []);
            // The longest row after a stage record's leading fields: route texts, two result words, two numbers.
            MaxTail = Stages.SelectMany(s => s.CheckFields.Zip(s.Units, (c, u) => c.Length + u.Length)).DefaultIfEmpty(0).Max()
                + 2 * Results.Max(r => r.Length) + 2 * 32 + 6 * Separator.Length + RecordEnd.Length;
        }

        public byte[] Preamble { get; }
        public byte[] HeaderRow { get; }
        public byte[] Separator { get; }
        public byte[] RecordEnd { get; }
        public StageText[] Stages { get; }
        public Dictionary<int, int> StageIndex { get; }
        public byte[] NotStarted { get; }
        public Dictionary<int, byte[]> StageStatuses { get; }
        public Dictionary<int, byte[]> PackStatuses { get; }

        public int MaxTail { get; }

        /// <summary>Result words as CSV fields, by the stored value.</summary>
        private byte[][] Results { get; }

        public byte[] Result(int value) => (uint)value < (uint)Results.Length ? Results[value] : [];
    }

    private static byte[] Utf8(string? text) => Encoding.UTF8.GetBytes(text ?? "");

    /// <summary>A route stage's texts as CSV bytes, made once per writer.</summary>
    private sealed class StageText
    {
        public StageText(FieldEncoder pieces, RouteStage stage)
        {
            Number = Utf8(stage.Number.ToString(CultureInfo.InvariantCulture));
            Name = Utf8(stage.Name);
            CheckFields = stage.Checks.Select(c => pieces.Fields(Utf8(c.Code), Utf8(SpreadsheetText.Neutralise(c.Description)))).ToArray();
            Units = stage.Checks.Select(c => pieces.Fields(Utf8(c.Limits?.Unit))).ToArray();
            CheckIndex = stage.Checks.Select((c, i) => (c.Code, i)).ToDictionary(x => x.Code, x => x.i, StringComparer.Ordinal);
        }

        public byte[] Number { get; }
        public byte[] Name { get; }

        /// <summary>Per route check: "code,description" as CSV.</summary>
        public byte[][] CheckFields { get; }
        public byte[][] Units { get; }
        public Dictionary<string, int> CheckIndex { get; }
    }

    /// <summary>One stage record of the current pack: its leading fields as CSV and its results by route check position.</summary>
    private sealed class StageRows(StageText text)
    {
        private readonly Dictionary<string, int> _checkIndex = text.CheckIndex;
        public readonly int[] ModuleX = new int[text.CheckFields.Length];
        public readonly int[] ModuleY = new int[text.CheckFields.Length];
        public readonly double?[] MeasuredX = new double?[text.CheckFields.Length];
        public readonly double?[] MeasuredY = new double?[text.CheckFields.Length];
        public long RowId;

        /// <summary>Pack ID to remarks (twelve fields) as CSV, or null while the pack has no record of this stage.</summary>
        public byte[]? Lead;

        public void Clear()
        {
            Lead = null;
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

    /// <summary>The pack being read: its columns, one <see cref="StageRows"/> per route stage, written out when done.
    /// One per chunk read (not shared between threads).</summary>
    private sealed class PackRows(CsvPieces pieces, PlantClock clock)
    {
        private readonly StageRows[] _stages = pieces.Stages.Select(s => new StageRows(s)).ToArray();
        private readonly FieldEncoder _encoder = new();
        private readonly byte[] _row = new byte[pieces.MaxTail];
        private byte[] _packId = [], _serialX = [], _serialY = [], _status = [];
        public long RowId { get; private set; }

        public void Start(long rowId, DbDataReader reader)
        {
            RowId = rowId;
            _packId = Utf8(SpreadsheetText.Neutralise(reader.GetString(PackRowsQuery.PackId)));
            _serialX = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.ModuleXSerial)));
            _serialY = Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.ModuleYSerial)));
            _status = pieces.PackStatuses.TryGetValue(reader.GetInt32(PackRowsQuery.PackStatus), out var s) ? s : [];
            foreach (var stage in _stages) stage.Clear();
        }

        /// <summary>The route stage of the reader's stage record, its columns read when this row starts it.</summary>
        public StageRows? Stage(DbDataReader reader)
        {
            if (!pieces.StageIndex.TryGetValue(reader.GetInt32(PackRowsQuery.StageNumber), out var index)) return null;
            var stage = _stages[index];
            var rowId = reader.GetInt64(PackRowsQuery.StageRow);
            if (stage.RowId == rowId) return stage;
            stage.RowId = rowId;
            var text = pieces.Stages[index];
            stage.Lead = _encoder.Fields(_packId, _serialX, _serialY, _status, text.Number, text.Name,
                pieces.StageStatuses.TryGetValue(reader.GetInt32(PackRowsQuery.StageStatus), out var s) ? s : [],
                Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.Technician))),
                Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.QcInspector))),
                Utf8(clock.Format(PackRowsQuery.Time(reader, PackRowsQuery.Started), TimeFormat)),
                Utf8(clock.Format(PackRowsQuery.Time(reader, PackRowsQuery.Completed), TimeFormat)),
                Utf8(SpreadsheetText.Neutralise(PackRowsQuery.Text(reader, PackRowsQuery.Remarks))));
            return stage;
        }

        /// <summary>Writes the pack's rows (every route stage and check) and returns how many.</summary>
        public long Write(MemoryStream output)
        {
            if (RowId == 0) return 0;
            long rows = 0;
            var separator = pieces.Separator;
            for (var s = 0; s < _stages.Length; s++)
            {
                var text = pieces.Stages[s];
                var stage = _stages[s];
                var lead = stage.Lead ?? _encoder.Fields(_packId, _serialX, _serialY, _status, text.Number, text.Name, pieces.NotStarted, [], [], [], [], []);
                for (var c = 0; c < text.CheckFields.Length; c++)
                {
                    output.Write(lead);
                    var row = new Span<byte>(_row);
                    var at = 0;
                    Put(row, ref at, separator);
                    Put(row, ref at, text.CheckFields[c]);
                    Put(row, ref at, separator);
                    Put(row, ref at, pieces.Result(stage.ModuleX[c]));
                    Put(row, ref at, separator);
                    PutNumber(row, ref at, stage.MeasuredX[c]);
                    Put(row, ref at, separator);
                    Put(row, ref at, pieces.Result(stage.ModuleY[c]));
                    Put(row, ref at, separator);
                    PutNumber(row, ref at, stage.MeasuredY[c]);
                    Put(row, ref at, separator);
                    Put(row, ref at, text.Units[c]);
                    Put(row, ref at, pieces.RecordEnd);
                    output.Write(row[..at]);
                    rows++;
                }
            }
            RowId = 0;
            return rows;
        }

        private static void Put(Span<byte> row, ref int at, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(row[at..]);
            at += bytes.Length;
        }

        private static void PutNumber(Span<byte> row, ref int at, double? value)
        {
            if (value is not { } v) return;
            if (!v.TryFormat(row[at..], out var written, default, CultureInfo.InvariantCulture))
                throw new InvalidOperationException("A measured value did not fit its CSV row.");
            at += written;
        }
    }
}
