using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;

namespace BatteryMes.Web.Features.Reports;

/// <summary>A few packs of the export, passed from the reading threads to the writing one.</summary>
internal sealed class PackBatch(RouteText route)
{
    public readonly PackRows[] Packs = Enumerable.Range(0, PackBatches.PacksPerBatch).Select(_ => new PackRows(route)).ToArray();
    public int Count;
    /// <summary>Place of the batch in the export: the writer writes batches in this order.</summary>
    public long Sequence;
}

/// <summary>The hand-over between the export's readers and its writer, so that reading the database and formatting the
/// CSV run at the same time. A fixed number of batches circulate: the pack query starts each batch's packs (in pack
/// order), fillers add their stage records and results (SQLite: on several connections at once; PostgreSQL: the pack
/// query fills them itself), the writer writes them in order and hands them back. Memory is bounded by
/// <see cref="Batches"/> x <see cref="PacksPerBatch"/> packs, whatever the size of the export, and a slow client slows
/// the reading instead of filling memory.</summary>
internal sealed class PackBatches
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

    public PackBatches(RouteText route)
    {
        for (var i = 0; i < Batches; i++) _free.Writer.TryWrite(new PackBatch(route));
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
        batch.Count = 0;
        _free.Writer.TryWrite(batch);
    }
}

/// <summary>Reads the packs of a filter with their stage records and check results into <see cref="PackBatches"/>, in
/// pack order. PostgreSQL: the export's one query (<see cref="PackRowsQuery"/>) through the provider's data reader.
/// SQLite: see <see cref="RunSqliteAsync"/>.</summary>
internal static class ResultsCsvSources
{
    /// <summary>Starts reading on other threads. The task never fails: an error reaches the writer through the
    /// batches. <paramref name="db"/> stays open until the task has ended.</summary>
    /// <param name="sqliteFillers">SQLite: connections that fill packs at once; 0: the pack query's connection fills them.</param>
    public static Task Run(IDbContextFactory<MesDbContext> contexts, MesDbContext db, PackFilter filter, PlantClock clock, PackBatches batches,
        int sqliteFillers, CancellationToken ct) =>
        db.Database.GetDbConnection() is SqliteConnection
            ? Task.Run(() => RunSqliteAsync(contexts, db, filter, clock, batches, sqliteFillers, ct), CancellationToken.None)
            : Task.Run(() => RunQueryAsync(db, filter, clock, batches, ct), CancellationToken.None);

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

    internal const string StagesOfPack =
        """SELECT "Id", "StageNumber", "Status", "Technician", "QcInspector", "Remarks", "StartedUtc", "CompletedUtc" FROM "StageRecords" WHERE "PackRowId" = ?1""";

    /// <summary>Each call for a column crosses into native code (about 0.1 us with its checks), and there are 6.3 million
    /// result rows at 100,000 packs, so SQLite hands over four values per row instead of seven: the stage record ID
    /// and both module results in one integer (the results are bytes: <see cref="QcResult"/>), and a measured
    /// value that is absent as +infinity, which no measured value can be (the app refuses non-finite numbers and
    /// SQLite stores none).</summary>
    internal const string ResultsOfPack =
        """
        SELECT (r."StageRecordId" << 16) | ((r."ModuleX" & 255) << 8) | (r."ModuleY" & 255), r."CheckCode",
               coalesce(r."MeasuredX", 9e999), coalesce(r."MeasuredY", 9e999)
        FROM "StageRecords" AS s JOIN "CheckResults" AS r ON r."StageRecordId" = s."Id"
        WHERE s."PackRowId" = ?1
        """;

    private static double? Measured(double value) => double.IsPositiveInfinity(value) ? null : value;

    /// <summary>SQLite. The packs of the filter come from the filter's own query (EF, the same as every other export),
    /// read on this connection in a deferred read transaction (BEGIN IMMEDIATE would take the write lock and hold up
    /// every save). Their stage records and results are read by several other connections at once (fillers),
    /// each opened on the same WAL snapshot as this one (sqlite3_snapshot_open), so the whole file shows one moment
    /// while others save. They use two prepared statements per pack through SQLitePCLRaw (the library under
    /// Microsoft.Data.Sqlite): measured at 100,000 packs, reading 6.3 million result rows through the ADO.NET reader
    /// cost about three times the database's own work (a string per code, type checks per column); the raw
    /// statements hand over UTF-8 bytes that go into the CSV without becoming strings.
    /// Where no snapshot can be taken (a database not in WAL mode) or no filler is wanted, this connection fills the
    /// packs itself.</summary>
    private static async Task RunSqliteAsync(IDbContextFactory<MesDbContext> contexts, MesDbContext db, PackFilter filter, PlantClock clock,
        PackBatches batches, int fillerCount, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var fillers = Task.CompletedTask;
        sqlite3_snapshot? snapshot = null;
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var transaction = connection.BeginTransaction(deferred: true);
            snapshot = fillerCount > 0 ? TakeSnapshot(connection, transaction) : null;
            batches.FilledByQuery = snapshot is null;
            if (snapshot is not null) fillers = FillAllAsync(contexts, snapshot, fillerCount, clock, batches, ct);

            await using var packs = PackRowsQuery.PacksCommand(db, filter, clock);
            packs.Transaction = transaction;
            using var inline = snapshot is null ? new PackStatements(connection) : null;
            await using (var reader = await packs.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var pack = await batches.NextAsync(ct);
                    pack.Start(reader.GetInt64(0), reader.GetString(1), PackRowsQuery.Text(reader, 2), PackRowsQuery.Text(reader, 3), reader.GetInt32(4));
                    inline?.Fill(pack, clock);
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
            snapshot?.Dispose();
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Starts the read transaction and returns its snapshot, or null when SQLite cannot give one.</summary>
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

    private static async Task FillAllAsync(IDbContextFactory<MesDbContext> contexts, sqlite3_snapshot snapshot, int count, PlantClock clock,
        PackBatches batches, CancellationToken ct)
    {
        var fillers = Enumerable.Range(0, count)
            .Select(_ => Task.Run(async () =>
            {
                try
                {
                    await FillAsync(contexts, snapshot, clock, batches, ct);
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

    private static async Task FillAsync(IDbContextFactory<MesDbContext> contexts, sqlite3_snapshot snapshot, PlantClock clock, PackBatches batches, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            RawStatement.Execute(connection, "BEGIN");
            var rc = raw.sqlite3_snapshot_open(connection.Handle, "main", snapshot);
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, connection.Handle);
            using var statements = new PackStatements(connection);
            await foreach (var batch in batches.StartedAsync(ct))
            {
                for (var i = 0; i < batch.Count; i++) statements.Fill(batch.Packs[i], clock);
                batches.Filled(batch);
            }
        }
        finally
        {
            raw.sqlite3_exec(connection.Handle, "ROLLBACK");
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The two per-pack statements on one connection.</summary>
    private sealed class PackStatements(SqliteConnection connection) : IDisposable
    {
        private readonly RawStatement _stages = new(connection, StagesOfPack);
        private readonly RawStatement _results = new(connection, ResultsOfPack);

        public void Fill(PackRows pack, PlantClock clock)
        {
            _stages.Start(pack.RowId);
            while (_stages.Step())
            {
                var stage = pack.Stage(_stages.Int32(1), _stages.Int64(0), _stages.Int32(2));
                if (stage is null) continue;
                stage.Technician.SetTyped(_stages.Bytes(3));
                stage.Inspector.SetTyped(_stages.Bytes(4));
                stage.Remarks.SetTyped(_stages.Bytes(5));
                stage.Started.SetTime(_stages.Time(6), clock);
                stage.Completed.SetTime(_stages.Time(7), clock);
            }

            _results.Start(pack.RowId);
            StageRows? current = null;
            while (_results.Step())
            {
                var packed = _results.Int64(0);
                var stageRow = packed >> 16;
                if (current is null || current.RowId != stageRow) current = pack.StageOfRecord(stageRow);
                if (current is null) continue;
                // A result whose check the route no longer has is not in the export (the route decides the rows).
                var check = current.Text.CheckIndex(_results.Bytes(1), current.NextCheck);
                if (check < 0) continue;
                current.Record(check, (int)(packed >> 8) & 255, (int)packed & 255, Measured(_results.Double(2)), Measured(_results.Double(3)));
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

        public RawStatement(SqliteConnection connection, string sql)
        {
            _db = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
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

        /// <summary>A time stored by EF Core as text (UTC, "yyyy-MM-dd HH:mm:ss.FFFFFFF").</summary>
        public DateTime? Time(int column) =>
            raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : StoredTime.Parse(Bytes(column));

        public static void Execute(SqliteConnection connection, string sql)
        {
            var rc = raw.sqlite3_exec(connection.Handle, sql);
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, connection.Handle);
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
