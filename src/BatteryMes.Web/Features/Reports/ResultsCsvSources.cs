using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using CsvHelper;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace BatteryMes.Web.Features.Reports;

/// <summary>A few packs of the export, passed from the reading threads to the writing one, with their CSV text once
/// formatted (<see cref="Format"/>) by whichever thread gets to it first.</summary>
internal sealed class PackBatch(RouteText route) : IDisposable
{
    public readonly PackRows[] Packs = Enumerable.Range(0, PackBatches.PacksPerBatch).Select(_ => new PackRows(route)).ToArray();
    public int Count;
    /// <summary>Place of the batch in the export: the writer writes batches in this order.</summary>
    public long Sequence;
    private readonly MemoryStream _csv = new();
    private CsvWriter? _writer;

    /// <summary>True once <see cref="Csv"/> holds the batch's rows.</summary>
    public bool Formatted { get; private set; }

    /// <summary>Data rows in <see cref="Csv"/>.</summary>
    public long Rows { get; private set; }

    /// <summary>The batch's CSV rows as UTF-8 (no header, no byte order mark).</summary>
    public ReadOnlyMemory<byte> Csv => _csv.GetBuffer().AsMemory(0, (int)_csv.Length);

    /// <summary>Writes the batch's packs as CSV rows into its own buffer, through its own CsvHelper writer.</summary>
    public void Format()
    {
        _writer ??= CsvWriter.Create(_csv, ResultsCsvWriter.Options(byteOrderMark: false), leaveOpen: true);
        long rows = 0;
        for (var i = 0; i < Count; i++) rows += Packs[i].Write(_writer);
        _writer.Flush();
        Rows = rows;
        Formatted = true;
    }

    /// <summary>Empties the batch for the next packs; the buffers are kept.</summary>
    public void Reset()
    {
        Count = 0;
        Rows = 0;
        Formatted = false;
        _csv.SetLength(0);
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _csv.Dispose();
    }
}

/// <summary>The hand-over between the export's readers and its writer, so that reading the database and formatting the
/// CSV run at the same time. A fixed number of batches circulate: the pack query starts each batch's packs (in pack
/// order), fillers add their stage records and results on several connections at once (without fillers the pack
/// query fills them itself), the writer writes them in order and hands them back. Memory is bounded by
/// <see cref="Batches"/> x <see cref="PacksPerBatch"/> packs, whatever the size of the export, and a slow client slows
/// the reading instead of filling memory.</summary>
internal sealed class PackBatches : IDisposable
{
    public const int PacksPerBatch = 64;
    public const int Batches = 8;

    private readonly Channel<PackBatch> _started = Channel.CreateUnbounded<PackBatch>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<PackBatch> _full = Channel.CreateUnbounded<PackBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<PackBatch> _free = Channel.CreateUnbounded<PackBatch>();
    private PackBatch? _filling;
    private long _sequence;

    /// <summary>True when the pack query fills the packs itself (no fillers); set before the first pack.</summary>
    public bool FilledByQuery { get; set; }

    /// <summary>Connections that read stage records and results at once: the fillers, or 1 (the pack query's); set before
    /// the first pack. For the record and the tests.</summary>
    public int ReadersAtOnce { get; set; } = 1;

    private readonly PackBatch[] _all;

    public PackBatches(RouteText route)
    {
        _all = Enumerable.Range(0, Batches).Select(_ => new PackBatch(route)).ToArray();
        foreach (var batch in _all) _free.Writer.TryWrite(batch);
    }

    /// <summary>Once the readers and the writer have ended.</summary>
    public void Dispose()
    {
        foreach (var batch in _all) batch.Dispose();
    }

    /// <summary>Pack query: the next pack to start. The previous one is done by then.</summary>
    public async ValueTask<PackRows> NextAsync(CancellationToken ct)
    {
        if (_filling is { } full && full.Count == full.Packs.Length)
        {
            HandOn(full);
            _filling = null;
        }
        _filling ??= await _free.Reader.ReadAsync(ct);
        return _filling.Packs[_filling.Count++];
    }

    /// <summary>Pack query: no more packs (or the query failed, which the writer then throws).</summary>
    public void Complete(Exception? error = null)
    {
        if (error is null && _filling is { Count: > 0 } last) HandOn(last);
        _filling = null;
        (FilledByQuery ? _full : _started).Writer.TryComplete(error);
    }

    private void HandOn(PackBatch batch)
    {
        batch.Sequence = _sequence++;
        (FilledByQuery ? _full : _started).Writer.TryWrite(batch);
    }

    /// <summary>Fillers: started batches, each to one filler.</summary>
    public IAsyncEnumerable<PackBatch> StartedAsync(CancellationToken ct) => _started.Reader.ReadAllAsync(ct);

    /// <summary>Fillers: a batch is complete.</summary>
    public void Filled(PackBatch batch) => _full.Writer.TryWrite(batch);

    /// <summary>Fillers: all have ended (or one failed, which the writer then throws).</summary>
    public void FillersDone(Exception? error = null) => _full.Writer.TryComplete(error);

    /// <summary>Writer: the complete batches in export order.</summary>
    public async IAsyncEnumerable<PackBatch> InOrderAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var waiting = new Dictionary<long, PackBatch>();
        long next = 0;
        await foreach (var batch in _full.Reader.ReadAllAsync(ct))
        {
            waiting[batch.Sequence] = batch;
            while (waiting.Remove(next, out var ready))
            {
                next++;
                yield return ready;
            }
        }
        if (waiting.Count > 0) throw new InvalidOperationException("The export's readers ended with batches missing.");
    }

    /// <summary>Writer: a written batch goes back to the pack query.</summary>
    public void Return(PackBatch batch)
    {
        batch.Reset();
        _free.Writer.TryWrite(batch);
    }
}

/// <summary>Reads the packs of a filter with their stage records and check results into <see cref="PackBatches"/>, in
/// pack order. The packs come from the filter's own query (EF, the same as every other export), read on the export's
/// context connection in a read transaction; their stage records and results are read by several other connections at
/// once (fillers), each on the same snapshot as the pack query, so the export shows one moment while others save. Each
/// filler also formats the CSV of the batches it fills. SQLite: see <see cref="BeginSqlite"/>; PostgreSQL: see
/// <see cref="BeginPostgres"/>. With no fillers (or, on SQLite, no snapshot to share), the pack query's connection reads
/// everything: on SQLite pack by pack between the packs, on PostgreSQL through the one joined query of
/// <see cref="PackRowsQuery"/> (<see cref="RunQueryAsync"/>).</summary>
internal static class ResultsCsvSources
{
    /// <summary>Starts reading on other threads. The task never fails: an error reaches the writer through the
    /// batches. <paramref name="db"/> stays open until the task has ended.</summary>
    /// <param name="fillers">Connections that fill packs at once; 0: the pack query's connection fills them.</param>
    public static Task Run(MesDbContext db, PackFilter filter, PlantClock clock, PackBatches batches, int fillers, CancellationToken ct) =>
        db.Database.GetDbConnection() switch
        {
            SqliteConnection => Task.Run(() => RunAsync(db, filter, clock, batches, BeginSqlite, fillers, ct), CancellationToken.None),
            NpgsqlConnection when fillers > 0 => Task.Run(() => RunAsync(db, filter, clock, batches, BeginPostgres, fillers, ct), CancellationToken.None),
            _ => Task.Run(() => RunQueryAsync(db, filter, clock, batches, ct), CancellationToken.None),
        };

    /// <summary>The export's read as begun on the pack query's connection: its transaction, and either what each filler
    /// runs or what fills a pack on this connection between the packs.</summary>
    private sealed class ExportRead(DbTransaction transaction, Func<Task>? filler, Action<PackRows>? inline, IDisposable? held) : IAsyncDisposable
    {
        public DbTransaction Transaction { get; } = transaction;
        /// <summary>One filler's work (on its own connection) till the started batches run out.</summary>
        public Func<Task>? Filler { get; } = filler;
        public Action<PackRows>? Inline { get; } = inline;

        public async ValueTask DisposeAsync()
        {
            // The transaction (and with it the snapshot the fillers share) ends once the fillers have ended.
            try
            {
                await Transaction.DisposeAsync();
            }
            finally
            {
                held?.Dispose();
            }
        }
    }

    private delegate Task<ExportRead> ExportReadStart(MesDbContext db, PlantClock clock, PackBatches batches, int fillers, CancellationToken ct);

    /// <summary>The pack query on the context's connection in the read transaction <paramref name="begin"/> starts, and
    /// its fillers.</summary>
    private static async Task RunAsync(MesDbContext db, PackFilter filter, PlantClock clock, PackBatches batches,
        ExportReadStart begin, int fillerCount, CancellationToken ct)
    {
        var fillers = Task.CompletedTask;
        ExportRead? read = null;
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            read = await begin(db, clock, batches, fillerCount, ct);
            batches.FilledByQuery = read.Filler is null;
            batches.ReadersAtOnce = read.Filler is null ? 1 : fillerCount;
            if (read.Filler is { } filler) fillers = FillAllAsync(fillerCount, filler, batches);

            await using var packs = PackRowsQuery.PacksCommand(db, filter, clock);
            packs.Transaction = read.Transaction;
            await using (var reader = await packs.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var pack = await batches.NextAsync(ct);
                    pack.Start(reader.GetInt64(0), reader.GetString(1), PackRowsQuery.Text(reader, 2), PackRowsQuery.Text(reader, 3), reader.GetInt32(4));
                    read.Inline?.Invoke(pack);
                }
            }
            batches.Complete();
            // The fillers' snapshot stays valid while this read transaction is open.
            await fillers;
        }
        catch (Exception ex)
        {
            batches.Complete(ex);
            batches.FillersDone(ex);
            try { await fillers; } catch { /* already reported */ }
        }
        finally
        {
            try
            {
                if (read is not null) await read.DisposeAsync();
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static async Task FillAllAsync(int count, Func<Task> filler, PackBatches batches)
    {
        var fillers = Enumerable.Range(0, count)
            .Select(_ => Task.Run(async () =>
            {
                try
                {
                    await filler();
                }
                catch (Exception ex)
                {
                    // At once: the writer stops, and with it the pack query and the other fillers.
                    batches.FillersDone(ex);
                }
            }, CancellationToken.None))
            .ToList();
        await Task.WhenAll(fillers);
        batches.FillersDone();
    }

    /// <summary>PostgreSQL without fillers: the export's one joined query (<see cref="PackRowsQuery.Command"/>), read on
    /// this thread, which also fills the packs.</summary>
    private static async Task RunQueryAsync(MesDbContext db, PackFilter filter, PlantClock clock, PackBatches batches, CancellationToken ct)
    {
        batches.FilledByQuery = true;
        try
        {
            await ReadQueryAsync(db, filter, clock, batches, ct);
            batches.Complete();
        }
        catch (Exception ex)
        {
            batches.Complete(ex);
        }
    }

    private static async Task ReadQueryAsync(MesDbContext db, PackFilter filter, PlantClock clock, PackBatches batches, CancellationToken ct)
    {
        await using var command = PackRowsQuery.Command(db, filter, clock, withResults: true);
        await PackRowsQuery.OpenAsync(db, ct);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            PackRowsQuery.CheckShape(reader, withResults: true);
            PackRows? pack = null;
            StageRows? stage = null;
            long stageRow = -1;
            // Pack and stage columns are read only when the stage record changes; per row only the result's.
            while (await reader.ReadAsync(ct))
            {
                var hasStage = !reader.IsDBNull(PackRowsQuery.StageRow);
                var rowOfStage = hasStage ? reader.GetInt64(PackRowsQuery.StageRow) : 0;
                if (!hasStage || rowOfStage != stageRow)
                {
                    stageRow = rowOfStage;
                    var packRow = reader.GetInt64(PackRowsQuery.PackRow);
                    if (pack is null || packRow != pack.RowId)
                    {
                        pack = await batches.NextAsync(ct);
                        pack.Start(packRow, reader.GetString(PackRowsQuery.PackId), PackRowsQuery.Text(reader, PackRowsQuery.ModuleXSerial),
                            PackRowsQuery.Text(reader, PackRowsQuery.ModuleYSerial), reader.GetInt32(PackRowsQuery.PackStatus));
                    }
                    stage = hasStage ? StartStage(pack, reader, rowOfStage, clock) : null;
                }
                if (stage is null || reader.IsDBNull(PackRowsQuery.CheckCode)) continue;
                // A result whose check the route no longer has is not in the export (the route decides the rows).
                var check = stage.Text.CheckIndex(reader.GetString(PackRowsQuery.CheckCode));
                if (check < 0) continue;
                stage.Record(check, reader.GetInt32(PackRowsQuery.ModuleX), reader.GetInt32(PackRowsQuery.ModuleY),
                    reader.IsDBNull(PackRowsQuery.MeasuredX) ? null : reader.GetDouble(PackRowsQuery.MeasuredX),
                    reader.IsDBNull(PackRowsQuery.MeasuredY) ? null : reader.GetDouble(PackRowsQuery.MeasuredY));
                stage.RecordNotes(check, PackRowsQuery.Text(reader, PackRowsQuery.DeviationX), PackRowsQuery.Text(reader, PackRowsQuery.DeviationY),
                    PackRowsQuery.Text(reader, PackRowsQuery.CheckRemark));
            }
        }
        finally
        {
            await PackRowsQuery.CloseAsync(db);
        }
    }

    private static StageRows? StartStage(PackRows pack, DbDataReader reader, long rowId, PlantClock clock)
    {
        var stage = pack.Stage(reader.GetInt32(PackRowsQuery.StageNumber), rowId, reader.GetInt32(PackRowsQuery.StageStatus));
        if (stage is null) return null;
        stage.Technician.SetTyped(PackRowsQuery.Text(reader, PackRowsQuery.Technician));
        stage.Inspector.SetTyped(PackRowsQuery.Text(reader, PackRowsQuery.QcInspector));
        stage.Remarks.SetTyped(PackRowsQuery.Text(reader, PackRowsQuery.Remarks));
        stage.Started.SetTime(PackRowsQuery.Time(reader, PackRowsQuery.Started), clock);
        stage.Completed.SetTime(PackRowsQuery.Time(reader, PackRowsQuery.Completed), clock);
        return stage;
    }

    /// <summary>PostgreSQL. The pack query runs in a REPEATABLE READ, READ ONLY transaction whose snapshot is exported
    /// (pg_export_snapshot); each filler opens its own connection from the same connection string (not through EF),
    /// begins the same kind of transaction on that snapshot (SET TRANSACTION SNAPSHOT), and reads each batch's stage
    /// records and results with two prepared statements sent together (<see cref="PostgresBatchReads"/>). The
    /// snapshot can be imported while this transaction is open, and it stays open until the fillers have ended.</summary>
    private static async Task<ExportRead> BeginPostgres(MesDbContext db, PlantClock clock, PackBatches batches, int fillers, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        try
        {
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
                await readOnly.ExecuteNonQueryAsync(ct);
            string snapshot;
            await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction))
                snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
            // Not a parameter (SET TRANSACTION SNAPSHOT takes none): checked to be what PostgreSQL gives, hex and dashes.
            if (snapshot.Length == 0 || !snapshot.All(c => char.IsAsciiHexDigit(c) || c == '-'))
                throw new InvalidOperationException($"PostgreSQL exported a snapshot named '{snapshot}'.");
            var connectionString = db.Database.GetConnectionString()
                ?? throw new InvalidOperationException("The export's context has no connection string for its readers.");
            return new ExportRead(transaction, () => FillPostgresAsync(connectionString, snapshot, clock, batches, ct), null, null);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>One PostgreSQL filler on its own connection (returned to Npgsql's pool when it ends, its transaction
    /// rolled back).</summary>
    private static async Task FillPostgresAsync(string connectionString, string snapshot, PlantClock clock, PackBatches batches, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var join = new NpgsqlCommand($"SET TRANSACTION READ ONLY; SET TRANSACTION SNAPSHOT '{snapshot}'", connection, transaction))
            await join.ExecuteNonQueryAsync(ct);
        await using var reads = await PostgresBatchReads.PrepareAsync(connection, transaction, ct);
        await FillStartedAsync(batches, batch => reads.FillAsync(batch, clock, ct), ct);
    }

    /// <summary>A filler's loop, both databases: fill each started batch it gets, format it here (so formatting runs on
    /// as many threads as there are fillers; the writer only sends the bytes in order), and hand it on.</summary>
    private static async Task FillStartedAsync(PackBatches batches, Func<PackBatch, Task> fill, CancellationToken ct)
    {
        await foreach (var batch in batches.StartedAsync(ct))
        {
            await fill(batch);
            batch.Format();
            batches.Filled(batch);
        }
    }

    /// <summary>PostgreSQL: a batch's stage records, then their results, by the batch's pack row IDs (= ANY of a bigint
    /// array), as two prepared statements sent in one round trip and read column by column with typed getters. As on
    /// SQLite, each result's stage record ID and both module results come packed in one integer: measured at 100,000
    /// packs (6.3 million result rows), about a tenth less CPU on both the server and the app than three columns. A
    /// binary COPY of the results (no parameters, so not prepared) measured about a tenth slower.</summary>
    private sealed class PostgresBatchReads : IAsyncDisposable
    {
        private const string Stages =
            """
            SELECT "Id", "PackRowId", "StageNumber", "Status", "Technician", "QcInspector", "Remarks", "StartedUtc", "CompletedUtc"
            FROM "StageRecords" WHERE "PackRowId" = ANY($1)
            """;

        private const string Results =
            """
            SELECT (r."StageRecordId" << 16) | ((r."ModuleX" & 255) << 8) | (r."ModuleY" & 255), r."CheckCode", r."MeasuredX", r."MeasuredY",
                   r."DeviationX", r."DeviationY", r."Remark"
            FROM "StageRecords" AS s JOIN "CheckResults" AS r ON r."StageRecordId" = s."Id"
            WHERE s."PackRowId" = ANY($1)
            """;

        private readonly NpgsqlBatch _batch;
        private readonly NpgsqlParameter<long[]> _stagePacks = new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
        private readonly NpgsqlParameter<long[]> _resultPacks = new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
        private readonly Dictionary<long, PackRows> _packs = new(PackBatches.PacksPerBatch);
        private readonly Dictionary<long, StageRows> _stages = new();
        private long[] _ids = [];

        private PostgresBatchReads(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            _batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands = { new NpgsqlBatchCommand(Stages) { Parameters = { _stagePacks } }, new NpgsqlBatchCommand(Results) { Parameters = { _resultPacks } } },
            };
        }

        public static async Task<PostgresBatchReads> PrepareAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
        {
            var reads = new PostgresBatchReads(connection, transaction);
            await reads._batch.PrepareAsync(ct);
            return reads;
        }

        public async Task FillAsync(PackBatch batch, PlantClock clock, CancellationToken ct)
        {
            if (_ids.Length != batch.Count) _ids = new long[batch.Count];
            _packs.Clear();
            _stages.Clear();
            for (var i = 0; i < batch.Count; i++)
            {
                _ids[i] = batch.Packs[i].RowId;
                _packs[_ids[i]] = batch.Packs[i];
            }
            _stagePacks.TypedValue = _ids;
            _resultPacks.TypedValue = _ids;

            await using var reader = await _batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var rowId = reader.GetInt64(0);
                var stage = _packs[reader.GetInt64(1)].Stage(reader.GetInt32(2), rowId, reader.GetInt16(3));
                if (stage is null) continue;
                _stages[rowId] = stage;
                stage.Technician.SetTyped(reader.IsDBNull(4) ? null : reader.GetString(4));
                stage.Inspector.SetTyped(reader.IsDBNull(5) ? null : reader.GetString(5));
                stage.Remarks.SetTyped(reader.IsDBNull(6) ? null : reader.GetString(6));
                stage.Started.SetTime(PackRowsQuery.Time(reader, 7), clock);
                stage.Completed.SetTime(PackRowsQuery.Time(reader, 8), clock);
            }

            await reader.NextResultAsync(ct);
            StageRows? current = null;
            while (await reader.ReadAsync(ct))
            {
                var packed = reader.GetInt64(0);
                var stageRow = packed >> 16;
                if (current is null || current.RowId != stageRow) _stages.TryGetValue(stageRow, out current);
                if (current is null) continue;
                // A result whose check the route no longer has is not in the export (the route decides the rows).
                var check = current.Text.CheckIndex(reader.GetString(1));
                if (check < 0) continue;
                current.Record(check, (int)(packed >> 8) & 255, (int)packed & 255,
                    reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3));
                current.RecordNotes(check, reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6));
            }
        }

        public ValueTask DisposeAsync() => _batch.DisposeAsync();
    }

    /// <summary>SQLite. The pack query's connection reads in a deferred read transaction (BEGIN IMMEDIATE would take the
    /// write lock and hold up every save). The fillers open the same file on the same WAL snapshot as this one
    /// (sqlite3_snapshot_open). They use two prepared statements per pack through SQLitePCLRaw (the library under
    /// Microsoft.Data.Sqlite): measured at 100,000 packs, reading 6.3 million result rows through the ADO.NET reader
    /// cost about three times the database's own work (a string per code, type checks per column); the raw
    /// statements hand over UTF-8 bytes that go into the CSV without becoming strings.
    /// Where no snapshot can be taken (a database not in WAL mode) or no filler is wanted, this connection fills the
    /// packs itself.</summary>
    private static Task<ExportRead> BeginSqlite(MesDbContext db, PlantClock clock, PackBatches batches, int fillers, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var (transaction, snapshot) = BeginRead(connection, fillers > 0);
        if (snapshot is null)
        {
            var inline = new PackStatements(connection.Handle!);
            return Task.FromResult(new ExportRead(transaction, null, pack => inline.Fill(pack, clock), inline));
        }
        var file = raw.sqlite3_db_filename(connection.Handle, "main").utf8_to_string();
        return Task.FromResult(new ExportRead(transaction, () => FillAsync(file, snapshot, clock, batches, ct), null, snapshot));
    }

    /// <summary>Starts the export's read transaction and, when fillers are wanted, takes its snapshot (null when SQLite
    /// cannot give one: a database not in WAL mode).</summary>
    /// <remarks>SQLite gives no snapshot of a WAL into which nothing has been written since the database was opened
    /// (sqlite3_snapshot_get answers SQLITE_ERROR): the state of a database nobody has saved to since the app started,
    /// or the benchmarks' seeds. One write that changes nothing (<c>user_version</c> set to its own value, a moment
    /// of the write lock) gives the WAL its first frame, and the snapshot is taken again; a file that cannot be written
    /// is read on this connection alone.</remarks>
    private static (SqliteTransaction Transaction, sqlite3_snapshot? Snapshot) BeginRead(SqliteConnection connection, bool snapshotWanted)
    {
        var transaction = connection.BeginTransaction(deferred: true);
        if (!snapshotWanted) return (transaction, null);
        if (TakeSnapshot(connection, transaction) is { } snapshot) return (transaction, snapshot);
        transaction.Rollback();
        transaction.Dispose();
        try
        {
            using var touch = connection.CreateCommand();
            touch.CommandText = "PRAGMA journal_mode";
            if (!string.Equals(touch.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase))
                return (connection.BeginTransaction(deferred: true), null);
            touch.CommandText = "PRAGMA user_version";
            var version = Convert.ToInt64(touch.ExecuteScalar(), CultureInfo.InvariantCulture);
            touch.CommandText = $"PRAGMA user_version = {version}";
            touch.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Read-only file or database: no snapshot; this connection reads everything.
        }
        transaction = connection.BeginTransaction(deferred: true);
        return (transaction, TakeSnapshot(connection, transaction));
    }

    /// <summary>Opens the read transaction's view and returns its snapshot, or null when SQLite cannot give one.</summary>
    private static sqlite3_snapshot? TakeSnapshot(SqliteConnection connection, SqliteTransaction transaction)
    {
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT count(*) FROM sqlite_schema";
            command.ExecuteScalar();
        }
        return raw.sqlite3_snapshot_get(connection.Handle, "main", out var snapshot) == raw.SQLITE_OK ? snapshot : null;
    }

    /// <summary>One filler on its own connection, opened straight through SQLitePCLRaw in SQLite's multi-thread mode
    /// (SQLITE_OPEN_NOMUTEX): it is used by one filler at a time only, so it needs no lock of its own, and the export
    /// makes some 40 million column calls, each of which would otherwise take and release that lock.</summary>
    private static async Task FillAsync(string file, sqlite3_snapshot snapshot, PlantClock clock, PackBatches batches, CancellationToken ct)
    {
        var rc = raw.sqlite3_open_v2(file, out var db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
        using (db)
        {
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
            raw.sqlite3_busy_timeout(db, (int)TimeSpan.FromSeconds(30).TotalMilliseconds);
            // A first read opens the WAL on this connection: sqlite3_snapshot_open needs it.
            RawStatement.Execute(db, "SELECT count(*) FROM sqlite_schema");
            RawStatement.Execute(db, "BEGIN");
            try
            {
                rc = raw.sqlite3_snapshot_open(db, "main", snapshot);
                if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
                using var statements = new PackStatements(db);
                await FillStartedAsync(batches, batch =>
                {
                    for (var i = 0; i < batch.Count; i++) statements.Fill(batch.Packs[i], clock);
                    return Task.CompletedTask;
                }, ct);
            }
            finally
            {
                raw.sqlite3_exec(db, "ROLLBACK");
            }
        }
    }

    /// <summary>Each call for a column crosses into native code with its checks, and there are 800,000 stage records
    /// and 6.3 million result rows at 100,000 packs, so SQLite packs the small integers into one: here the stage record
    /// ID, the stage number (16 bits) and the stage status (8 bits). A time that is NULL comes back as no bytes (EF
    /// never stores an empty text for a time).</summary>
    internal const string StagesOfPack =
        """
        SELECT ("Id" << 24) | (("StageNumber" & 65535) << 8) | ("Status" & 255),
               "Technician", "QcInspector", "Remarks", "StartedUtc", "CompletedUtc"
        FROM "StageRecords" WHERE "PackRowId" = ?1
        """;

    /// <summary>As <see cref="StagesOfPack"/>: the stage record ID, whether each module has a measured value, and both
    /// module results (bytes: <see cref="QcResult"/>) in one integer, then the check code; the measured values are
    /// asked for only where the flags say they exist (a third of the rows).</summary>
    internal const string ResultsOfPack =
        """
        SELECT (r."StageRecordId" << 18) | ((r."MeasuredX" IS NOT NULL) << 17) | ((r."MeasuredY" IS NOT NULL) << 16)
               | ((r."ModuleX" & 255) << 8) | (r."ModuleY" & 255),
               r."CheckCode", r."MeasuredX", r."MeasuredY", r."DeviationX", r."DeviationY", r."Remark"
        FROM "StageRecords" AS s JOIN "CheckResults" AS r ON r."StageRecordId" = s."Id"
        WHERE s."PackRowId" = ?1
        """;

    /// <summary>The two per-pack statements on one connection.</summary>
    private sealed class PackStatements(sqlite3 db) : IDisposable
    {
        private readonly RawStatement _stages = new(db, StagesOfPack);
        private readonly RawStatement _results = new(db, ResultsOfPack);

        public void Fill(PackRows pack, PlantClock clock)
        {
            _stages.Start(pack.RowId);
            while (_stages.Step())
            {
                var packed = _stages.Int64(0);
                var stage = pack.Stage((int)(packed >> 8) & 65535, packed >> 24, (int)packed & 255);
                if (stage is null) continue;
                stage.Technician.SetTyped(_stages.Bytes(1));
                stage.Inspector.SetTyped(_stages.Bytes(2));
                stage.Remarks.SetTyped(_stages.Bytes(3));
                stage.Started.SetTime(_stages.Time(4), clock);
                stage.Completed.SetTime(_stages.Time(5), clock);
            }

            _results.Start(pack.RowId);
            StageRows? current = null;
            while (_results.Step())
            {
                var packed = _results.Int64(0);
                var stageRow = packed >> 18;
                if (current is null || current.RowId != stageRow) current = pack.StageOfRecord(stageRow);
                if (current is null) continue;
                // A result whose check the route no longer has is not in the export (the route decides the rows).
                var check = current.Text.CheckIndex(_results.Bytes(1), current.NextCheck);
                if (check < 0) continue;
                current.Record(check, (int)(packed >> 8) & 255, (int)packed & 255,
                    (packed & (1 << 17)) != 0 ? _results.Double(2) : null, (packed & (1 << 16)) != 0 ? _results.Double(3) : null);
                current.RecordNotes(check, _results.Bytes(4), _results.Bytes(5), _results.Bytes(6));
            }
        }

        public void Dispose()
        {
            _stages.Dispose();
            _results.Dispose();
        }
    }

    /// <summary>A prepared SQLite statement with one integer parameter, read column by column.</summary>
    private sealed class RawStatement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public RawStatement(sqlite3 db, string sql)
        {
            _db = db;
            Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        }

        public void Start(long parameter)
        {
            raw.sqlite3_reset(_statement);
            Check(raw.sqlite3_bind_int64(_statement, 1, parameter));
        }

        public bool Step()
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == raw.SQLITE_ROW) return true;
            if (rc != raw.SQLITE_DONE) Check(rc);
            return false;
        }

        public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);
        public int Int32(int column) => raw.sqlite3_column_int(_statement, column);
        public double Double(int column) => raw.sqlite3_column_double(_statement, column);

        /// <summary>A text column's UTF-8 bytes, valid until the next step; empty for NULL.</summary>
        public ReadOnlySpan<byte> Bytes(int column) => raw.sqlite3_column_blob(_statement, column);

        /// <summary>A time stored by EF Core as text (UTC, "yyyy-MM-dd HH:mm:ss.FFFFFFF"); null for NULL (no bytes).</summary>
        public DateTime? Time(int column) => Bytes(column) is { IsEmpty: false } text ? StoredTime.Parse(text) : null;

        public static void Execute(sqlite3 db, string sql)
        {
            var rc = raw.sqlite3_exec(db, sql);
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        public void Dispose() => _statement.Dispose();
    }
}

/// <summary>Times as EF Core stores them in SQLite: UTC text "yyyy-MM-dd HH:mm:ss" with up to seven fraction digits.
/// Read from the UTF-8 bytes by position (1.6 million of them at 100,000 packs, where DateTime.ParseExact took about
/// a second); anything else goes to DateTime.TryParse, as Microsoft.Data.Sqlite would.</summary>
internal static class StoredTime
{
    public static DateTime Parse(ReadOnlySpan<byte> text)
    {
        if (text.Length >= 19 && text[4] == '-' && text[7] == '-' && text[10] == ' ' && text[13] == ':' && text[16] == ':' &&
            Digits(text[..4], out var year) && Digits(text.Slice(5, 2), out var month) && Digits(text.Slice(8, 2), out var day) &&
            Digits(text.Slice(11, 2), out var hour) && Digits(text.Slice(14, 2), out var minute) && Digits(text.Slice(17, 2), out var second) &&
            Fraction(text[19..], out var ticks) &&
            year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
            return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks);

        Span<char> chars = stackalloc char[Math.Min(text.Length, 64)];
        for (var i = 0; i < chars.Length; i++) chars[i] = (char)text[i];
        if (DateTime.TryParse(chars, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        throw new FormatException($"A stage record holds a time that cannot be read: '{new string(chars)}'.");
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    /// <summary>"" or "." followed by 1-7 digits, as ticks.</summary>
    private static bool Fraction(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = 0;
        if (text.IsEmpty) return true;
        if (text[0] != '.' || text.Length is < 2 or > 8 || !Digits(text[1..], out var digits)) return false;
        ticks = digits;
        for (var i = text.Length - 1; i < 7; i++) ticks *= 10;
        return true;
    }
}
