using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Writes the outcome of one stage save as four statements: the stage record (insert or update), the check
/// rows that changed (one multi-row upsert), the pack's status columns and the audit rows (one insert from a JSON
/// array). Change tracking and SaveChanges would cost one statement per row (about 90 for a full stage).
/// <para>The SQL text depends only on the save's shape (new or stored stage record, number of changed check rows), never
/// on its values: every value is a typed parameter made by the EF type mapping of its column (so a null is typed on
/// PostgreSQL too and stored exactly as SaveChanges would store it), and the texts are built once per shape. Each
/// statement carries only its own parameters: on SQLite four commands in the caller's transaction (in-process, and
/// Microsoft.Data.Sqlite looks every parameter up by name in every statement of a command), on PostgreSQL one
/// <see cref="DbBatch"/>, one round trip. The audit rows of a save share time, pack, stage, user and client; the rest
/// (check code, action, field, old and new value, reason) travels as one JSON text unpacked in SQL (SQLite
/// <c>json_each</c>, PostgreSQL <c>json_array_elements</c>), in order, so 65 rows cost one parameter instead of 300.</para>
/// The caller holds the pack's write lock and transaction. Column names follow <see cref="MesDbContext"/>: a renamed
/// property must be renamed here too (the DataEntry tests read every column back through EF on both providers).</summary>
internal static class StageRowWriter
{
    public static async Task WriteAsync(MesDbContext db, Pack pack, StageRecord record, bool recordIsNew,
        IReadOnlyList<CheckResult> changedRows, IReadOnlyList<AuditEntry> audit, CancellationToken ct)
    {
        var columns = Columns.For(db);
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A stage save writes inside the caller's transaction.");
        using var factory = connection.CreateCommand();
        var statements = new List<(string Sql, List<DbParameter> Parameters)>(4);

        var stageParameters = new Parameters(columns, factory);
        if (recordIsNew)
        {
            stageParameters.Add(columns.StagePackRowId, pack.Id);
            stageParameters.Add(columns.StageNumber, record.StageNumber);
        }
        stageParameters.Add(columns.StageStatus, record.Status);
        stageParameters.Add(columns.StageTechnician, record.Technician);
        stageParameters.Add(columns.StageQcInspector, record.QcInspector);
        stageParameters.Add(columns.StageRemarks, record.Remarks);
        stageParameters.Add(columns.StageStartedUtc, record.StartedUtc);
        stageParameters.Add(columns.StageCompletedUtc, record.CompletedUtc);
        stageParameters.Add(columns.StageUpdatedUtc, record.UpdatedUtc);
        stageParameters.Add(columns.StageVersion, record.Version);
        stageParameters.Add(columns.StageNotOkCount, record.NotOkCount);
        stageParameters.Add(columns.StageHadNotOk, record.HadNotOk);
        if (!recordIsNew) stageParameters.Add(columns.StageId, record.Id);
        statements.Add((recordIsNew ? InsertStageSql : UpdateStageSql, stageParameters));

        if (changedRows.Count > 0)
        {
            var updatedUtc = changedRows[0].UpdatedUtc;
            if (changedRows.Any(r => r.UpdatedUtc != updatedUtc))
                throw new ArgumentException("The check rows of one save share its time.", nameof(changedRows));
            // A new stage record's id is not known before it is inserted: the rows find it by the unique (pack, stage).
            var rowParameters = new Parameters(columns, factory);
            rowParameters.Add(columns.ResultUpdatedUtc, updatedUtc);
            rowParameters.Add(columns.Json, CheckRowsJson(changedRows));
            if (recordIsNew)
            {
                rowParameters.Add(columns.StagePackRowId, pack.Id);
                rowParameters.Add(columns.StageNumber, record.StageNumber);
            }
            else rowParameters.Add(columns.StageId, record.Id);
            statements.Add((columns.IsNpgsql
                ? recordIsNew ? UpsertRowsOfNewStagePostgres : UpsertRowsPostgres
                : recordIsNew ? UpsertRowsOfNewStageSqlite : UpsertRowsSqlite, rowParameters));
        }

        var packParameters = new Parameters(columns, factory);
        packParameters.Add(columns.PackStatus, pack.Status);
        packParameters.Add(columns.PackCurrentStage, pack.CurrentStage);
        packParameters.Add(columns.PackCompletedUtc, pack.CompletedUtc);
        packParameters.Add(columns.PackUpdatedUtc, pack.UpdatedUtc);
        packParameters.Add(columns.PackRowId, pack.Id);
        statements.Add((UpdatePackSql, packParameters));

        if (audit.Count > 0)
        {
            var first = audit[0];
            if (audit.Any(a => a.AtUtc != first.AtUtc || a.PackId != first.PackId || a.StageNumber != first.StageNumber
                    || a.User != first.User || a.UserLogin != first.UserLogin || a.Client != first.Client))
                throw new ArgumentException("The audit rows of one save share its time, pack, stage, user and client.", nameof(audit));
            var auditParameters = new Parameters(columns, factory);
            auditParameters.Add(columns.AuditAtUtc, first.AtUtc);
            auditParameters.Add(columns.AuditPackId, first.PackId);
            auditParameters.Add(columns.AuditStageNumber, first.StageNumber);
            auditParameters.Add(columns.AuditUser, first.User);
            auditParameters.Add(columns.AuditUserLogin, first.UserLogin);
            auditParameters.Add(columns.AuditClient, first.Client);
            auditParameters.Add(columns.Json, AuditJson(audit));
            statements.Add((columns.IsNpgsql ? InsertAuditSqlPostgres : InsertAuditSqlSqlite, auditParameters));
        }

        if (connection.CanCreateBatch)
        {
            // PostgreSQL: every statement in one round trip.
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var (sql, parameters) in statements)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                command.Parameters.AddRange(parameters.ToArray());
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(ct);
            return;
        }
        foreach (var (sql, parameters) in statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Parameters.AddRange(parameters.ToArray());
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private const string StageColumns = "\"Status\", \"Technician\", \"QcInspector\", \"Remarks\", \"StartedUtc\", \"CompletedUtc\", \"UpdatedUtc\", \"Version\", \"NotOkCount\", \"HadNotOk\"";

    private static readonly string InsertStageSql =
        $"INSERT INTO \"StageRecords\" (\"PackRowId\", \"StageNumber\", {StageColumns}) VALUES ({Placeholders(0, 12)})";

    private static readonly string UpdateStageSql =
        "UPDATE \"StageRecords\" SET \"Status\" = @p0, \"Technician\" = @p1, \"QcInspector\" = @p2, \"Remarks\" = @p3, \"StartedUtc\" = @p4, "
        + "\"CompletedUtc\" = @p5, \"UpdatedUtc\" = @p6, \"Version\" = @p7, \"NotOkCount\" = @p8, \"HadNotOk\" = @p9 WHERE \"Id\" = @p10";

    private const string UpdatePackSql =
        "UPDATE \"Packs\" SET \"Status\" = @p0, \"CurrentStage\" = @p1, \"CompletedUtc\" = @p2, \"UpdatedUtc\" = @p3 WHERE \"Id\" = @p4";

    private const string AuditColumns = "INSERT INTO \"AuditLog\" (\"AtUtc\", \"PackId\", \"StageNumber\", \"User\", \"UserLogin\", \"Client\", \"CheckCode\", \"Action\", \"Field\", \"OldValue\", \"NewValue\", \"Reason\") ";

    // The JSON is an array of [check code, action, field, old value, new value, reason]; rows go in in array order.
    private const string InsertAuditSqlSqlite = AuditColumns
        + "SELECT @p0, @p1, @p2, @p3, @p4, @p5, e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5 "
        + "FROM json_each(@p6) AS e ORDER BY e.key";

    private const string InsertAuditSqlPostgres = AuditColumns
        + "SELECT @p0, @p1, @p2, @p3, @p4, @p5, e.v ->> 0, e.v ->> 1, e.v ->> 2, e.v ->> 3, e.v ->> 4, e.v ->> 5 "
        + "FROM json_array_elements(@p6::json) WITH ORDINALITY AS e(v, n) ORDER BY e.n";

    // The JSON is an array of [check code, Module X, Module Y, measured X, measured Y, deviation X, deviation Y, remark]: results as their stored numbers,
    // measured values as JSON numbers in .NET's shortest round-trip form (both databases read them back to the same double).
    private const string StageRecordIdOfNew = "(SELECT \"Id\" FROM \"StageRecords\" WHERE \"PackRowId\" = @p2 AND \"StageNumber\" = @p3)";
    private const string CheckRowsInsert = "INSERT INTO \"CheckResults\" (\"UpdatedUtc\", \"StageRecordId\", \"CheckCode\", \"ModuleX\", \"ModuleY\", \"MeasuredX\", \"MeasuredY\", "
        + "\"DeviationX\", \"DeviationY\", \"Remark\") SELECT @p0, ";
    // Rows already stored are updated in place (unique index on stage record and check code). SQLite needs the WHERE
    // before ON CONFLICT: without it the parser would read ON as the join constraint of the FROM clause.
    private const string CheckRowsConflict = " ON CONFLICT (\"StageRecordId\", \"CheckCode\") DO UPDATE SET \"ModuleX\" = excluded.\"ModuleX\", "
        + "\"ModuleY\" = excluded.\"ModuleY\", \"MeasuredX\" = excluded.\"MeasuredX\", \"MeasuredY\" = excluded.\"MeasuredY\", \"UpdatedUtc\" = excluded.\"UpdatedUtc\", "
        + "\"DeviationX\" = excluded.\"DeviationX\", \"DeviationY\" = excluded.\"DeviationY\", \"Remark\" = excluded.\"Remark\"";
    private const string CheckRowsSqlite = ", e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5, e.value ->> 6, e.value ->> 7 FROM json_each(@p1) AS e WHERE true ORDER BY e.key" + CheckRowsConflict;
    private const string CheckRowsPostgres = ", e.v ->> 0, (e.v ->> 1)::smallint, (e.v ->> 2)::smallint, (e.v ->> 3)::double precision, (e.v ->> 4)::double precision, e.v ->> 5, e.v ->> 6, e.v ->> 7 "
        + "FROM json_array_elements(@p1::json) WITH ORDINALITY AS e(v, n) ORDER BY e.n" + CheckRowsConflict;
    private const string UpsertRowsSqlite = CheckRowsInsert + "@p2" + CheckRowsSqlite;
    private const string UpsertRowsOfNewStageSqlite = CheckRowsInsert + StageRecordIdOfNew + CheckRowsSqlite;
    private const string UpsertRowsPostgres = CheckRowsInsert + "@p2" + CheckRowsPostgres;
    private const string UpsertRowsOfNewStagePostgres = CheckRowsInsert + StageRecordIdOfNew + CheckRowsPostgres;

    private static string CheckRowsJson(IReadOnlyList<CheckResult> rows) => Json(rows.Count * 40, json =>
    {
        foreach (var row in rows)
        {
            json.WriteStartArray();
            json.WriteStringValue(AsStored(row.CheckCode));
            json.WriteNumberValue((int)row.ModuleX);
            json.WriteNumberValue((int)row.ModuleY);
            if (row.MeasuredX is { } x) json.WriteNumberValue(x); else json.WriteNullValue();
            if (row.MeasuredY is { } y) json.WriteNumberValue(y); else json.WriteNullValue();
            foreach (var text in (ReadOnlySpan<string?>)[row.DeviationX, row.DeviationY, row.Remark])
            {
                if (text is null) json.WriteNullValue();
                else json.WriteStringValue(AsStored(text));
            }
            json.WriteEndArray();
        }
    });

    private static string Placeholders(int from, int count) =>
        string.Join(", ", Enumerable.Range(from, count).Select(i => "@p" + i));

    private static string AuditJson(IReadOnlyList<AuditEntry> audit) => Json(audit.Count * 64, json =>
    {
        foreach (var a in audit)
        {
            json.WriteStartArray();
            foreach (var text in (ReadOnlySpan<string?>)[a.CheckCode, a.Action, a.Field, a.OldValue, a.NewValue, a.Reason])
            {
                if (text is null) json.WriteNullValue();
                else json.WriteStringValue(AsStored(text));
            }
            json.WriteEndArray();
        }
    });

    /// <summary>A JSON array whose items <paramref name="items"/> writes.</summary>
    private static string Json(int sizeHint, Action<Utf8JsonWriter> items)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(sizeHint);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            items(json);
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The text as a text parameter would store it: a lone surrogate (not valid UTF-16, so not valid in UTF-8
    /// either) becomes U+FFFD as in <see cref="Encoding.UTF8"/>, instead of a JSON escape the database would decode to an
    /// invalid character.</summary>
    private static string AsStored(string text)
    {
        foreach (var c in text)
            if (char.IsSurrogate(c)) return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
        return text;
    }

    /// <summary>One statement's parameters, @p0, @p1, ... in the order they are added, each typed by its column's mapping.</summary>
    private sealed class Parameters(Columns columns, DbCommand factory) : List<DbParameter>
    {
        public void Add(RelationalTypeMapping mapping, object? value) => Add(columns.Parameter(factory, mapping, Count, value));
    }

    /// <summary>The EF type mapping of every column written, per model (SQLite and PostgreSQL contexts differ): a
    /// parameter made by it carries the value converted and typed exactly as SaveChanges would send it.</summary>
    private sealed class Columns
    {
        private static readonly ConditionalWeakTable<IModel, Columns> ByModel = new();
        private static readonly string[] Names = Enumerable.Range(0, 256).Select(i => "@p" + i).ToArray();

        public static Columns For(MesDbContext db) => ByModel.GetValue(db.Model, _ => new Columns(db));

        private Columns(MesDbContext db)
        {
            IsNpgsql = db.Database.IsNpgsql();
            var model = db.Model;
            RelationalTypeMapping Of<T>(string property) =>
                model.FindEntityType(typeof(T))!.FindProperty(property)!.GetRelationalTypeMapping();
            StageId = Of<StageRecord>(nameof(StageRecord.Id));
            StagePackRowId = Of<StageRecord>(nameof(StageRecord.PackRowId));
            StageNumber = Of<StageRecord>(nameof(StageRecord.StageNumber));
            StageStatus = Of<StageRecord>(nameof(StageRecord.Status));
            StageTechnician = Of<StageRecord>(nameof(StageRecord.Technician));
            StageQcInspector = Of<StageRecord>(nameof(StageRecord.QcInspector));
            StageRemarks = Of<StageRecord>(nameof(StageRecord.Remarks));
            StageStartedUtc = Of<StageRecord>(nameof(StageRecord.StartedUtc));
            StageCompletedUtc = Of<StageRecord>(nameof(StageRecord.CompletedUtc));
            StageUpdatedUtc = Of<StageRecord>(nameof(StageRecord.UpdatedUtc));
            StageVersion = Of<StageRecord>(nameof(StageRecord.Version));
            StageNotOkCount = Of<StageRecord>(nameof(StageRecord.NotOkCount));
            StageHadNotOk = Of<StageRecord>(nameof(StageRecord.HadNotOk));
            ResultCheckCode = Of<CheckResult>(nameof(CheckResult.CheckCode));
            ResultModuleX = Of<CheckResult>(nameof(CheckResult.ModuleX));
            ResultModuleY = Of<CheckResult>(nameof(CheckResult.ModuleY));
            ResultMeasuredX = Of<CheckResult>(nameof(CheckResult.MeasuredX));
            ResultMeasuredY = Of<CheckResult>(nameof(CheckResult.MeasuredY));
            ResultUpdatedUtc = Of<CheckResult>(nameof(CheckResult.UpdatedUtc));
            PackRowId = Of<Pack>(nameof(Pack.Id));
            PackStatus = Of<Pack>(nameof(Pack.Status));
            PackCurrentStage = Of<Pack>(nameof(Pack.CurrentStage));
            PackCompletedUtc = Of<Pack>(nameof(Pack.CompletedUtc));
            PackUpdatedUtc = Of<Pack>(nameof(Pack.UpdatedUtc));
            AuditAtUtc = Of<AuditEntry>(nameof(AuditEntry.AtUtc));
            AuditPackId = Of<AuditEntry>(nameof(AuditEntry.PackId));
            AuditStageNumber = Of<AuditEntry>(nameof(AuditEntry.StageNumber));
            AuditUser = Of<AuditEntry>(nameof(AuditEntry.User));
            AuditUserLogin = Of<AuditEntry>(nameof(AuditEntry.UserLogin));
            AuditClient = Of<AuditEntry>(nameof(AuditEntry.Client));
            Json = db.GetService<IRelationalTypeMappingSource>().FindMapping(typeof(string))!;
        }

        public bool IsNpgsql { get; }
        public RelationalTypeMapping StageId { get; }
        public RelationalTypeMapping StagePackRowId { get; }
        public RelationalTypeMapping StageNumber { get; }
        public RelationalTypeMapping StageStatus { get; }
        public RelationalTypeMapping StageTechnician { get; }
        public RelationalTypeMapping StageQcInspector { get; }
        public RelationalTypeMapping StageRemarks { get; }
        public RelationalTypeMapping StageStartedUtc { get; }
        public RelationalTypeMapping StageCompletedUtc { get; }
        public RelationalTypeMapping StageUpdatedUtc { get; }
        public RelationalTypeMapping StageVersion { get; }
        public RelationalTypeMapping StageNotOkCount { get; }
        public RelationalTypeMapping StageHadNotOk { get; }
        public RelationalTypeMapping ResultCheckCode { get; }
        public RelationalTypeMapping ResultModuleX { get; }
        public RelationalTypeMapping ResultModuleY { get; }
        public RelationalTypeMapping ResultMeasuredX { get; }
        public RelationalTypeMapping ResultMeasuredY { get; }
        public RelationalTypeMapping ResultUpdatedUtc { get; }
        public RelationalTypeMapping PackRowId { get; }
        public RelationalTypeMapping PackStatus { get; }
        public RelationalTypeMapping PackCurrentStage { get; }
        public RelationalTypeMapping PackCompletedUtc { get; }
        public RelationalTypeMapping PackUpdatedUtc { get; }
        public RelationalTypeMapping AuditAtUtc { get; }
        public RelationalTypeMapping AuditPackId { get; }
        public RelationalTypeMapping AuditStageNumber { get; }
        public RelationalTypeMapping AuditUser { get; }
        public RelationalTypeMapping AuditUserLogin { get; }
        public RelationalTypeMapping AuditClient { get; }
        public RelationalTypeMapping Json { get; }

        /// <summary>The parameter @p<paramref name="index"/>, typed by the column's mapping (a null stays typed).</summary>
        public DbParameter Parameter(DbCommand factory, RelationalTypeMapping mapping, int index, object? value) =>
            mapping.CreateParameter(factory, index < Names.Length ? Names[index] : "@p" + index, value, nullable: true);
    }
}
