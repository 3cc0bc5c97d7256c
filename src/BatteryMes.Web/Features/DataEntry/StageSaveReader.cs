using System.Data.Common;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Reads what a stage save needs, in the caller's transaction, in one command (PostgreSQL: one round trip):
/// the pack, every stage record of it (the pack status needs their stored statuses) and the check results of the one
/// stage being written. On PostgreSQL the pack row is locked (FOR UPDATE) by the same command, so two first saves of
/// one stage cannot both insert it; SQLite's write transaction is already exclusive. Nothing is tracked:
/// <see cref="StageRowWriter"/> writes the save. The texts are fixed and the values typed parameters (PostgreSQL
/// can prepare them). Column lists follow <see cref="MesDbContext"/>: the DataEntry tests compare every field with EF's
/// reading on both providers.</summary>
internal static class StageSaveReader
{
    private const string PackSql =
        "SELECT \"Id\", \"PackId\", \"ModuleXSerial\", \"ModuleYSerial\", \"CreatedUtc\", \"UpdatedUtc\", \"Status\", \"CurrentStage\", \"CompletedUtc\" "
        + "FROM \"Packs\" WHERE \"PackId\" = @p0";

    private const string StagesSql =
        "SELECT s.\"Id\", s.\"PackRowId\", s.\"StageNumber\", s.\"Status\", s.\"Technician\", s.\"QcInspector\", s.\"Remarks\", s.\"StartedUtc\", "
        + "s.\"CompletedUtc\", s.\"UpdatedUtc\", s.\"Version\", s.\"NotOkCount\", s.\"HadNotOk\" "
        + "FROM \"StageRecords\" AS s INNER JOIN \"Packs\" AS p ON p.\"Id\" = s.\"PackRowId\" WHERE p.\"PackId\" = @p0 ORDER BY s.\"Id\"";

    private const string ResultsSql =
        "SELECT r.\"Id\", r.\"StageRecordId\", r.\"CheckCode\", r.\"ModuleX\", r.\"ModuleY\", r.\"MeasuredX\", r.\"MeasuredY\", r.\"UpdatedUtc\", r.\"DeviationX\", r.\"DeviationY\", r.\"Remark\" "
        + "FROM \"CheckResults\" AS r INNER JOIN \"StageRecords\" AS s ON s.\"Id\" = r.\"StageRecordId\" INNER JOIN \"Packs\" AS p ON p.\"Id\" = s.\"PackRowId\" "
        + "WHERE p.\"PackId\" = @p0 AND s.\"StageNumber\" = @p1 ORDER BY r.\"Id\"";

    private static readonly string[] SqliteBatch = [PackSql, StagesSql, ResultsSql];
    private static readonly string[] PostgresBatch = [PackSql + " FOR UPDATE", StagesSql, ResultsSql];

    /// <summary>The pack with its stage records, the results of <paramref name="stageNumber"/> attached to its record;
    /// null when the pack is not registered.</summary>
    public static async Task<Pack?> ReadAsync(MesDbContext db, string packId, int stageNumber, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A stage save reads inside the caller's transaction.");
        var postgres = connection.CanCreateBatch;
        var statements = postgres ? PostgresBatch : SqliteBatch;
        DbDataReader reader;
        DbBatch? batch = null;
        DbCommand? command = null;
        if (postgres)
        {
            batch = connection.CreateBatch();
            batch.Transaction = transaction;
            for (var i = 0; i < statements.Length; i++)
            {
                var part = batch.CreateBatchCommand();
                part.CommandText = statements[i];
                AddParameters(part.Parameters, part.CreateParameter(), part.CreateParameter(), packId, stageNumber, withStage: i == 2);
                batch.BatchCommands.Add(part);
            }
            reader = await batch.ExecuteReaderAsync(ct);
        }
        else
        {
            // One command, three statements: each of them finds its (one or two) parameters by name.
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = string.Join(";\n", statements);
            AddParameters(command.Parameters, command.CreateParameter(), command.CreateParameter(), packId, stageNumber, withStage: true);
            reader = await command.ExecuteReaderAsync(ct);
        }
        try
        {
            if (!await reader.ReadAsync(ct)) return null;
            var pack = new Pack
            {
                Id = reader.GetInt64(0),
                PackId = reader.GetString(1),
                ModuleXSerial = Text(reader, 2),
                ModuleYSerial = Text(reader, 3),
                CreatedUtc = Utc(reader, 4),
                UpdatedUtc = Utc(reader, 5),
                Status = (PackStatus)reader.GetInt16(6),
                CurrentStage = reader.GetInt32(7),
                CompletedUtc = UtcOrNull(reader, 8),
            };
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                pack.Stages.Add(new StageRecord
                {
                    Id = reader.GetInt64(0),
                    PackRowId = reader.GetInt64(1),
                    Pack = pack,
                    StageNumber = reader.GetInt32(2),
                    Status = (StageStatus)reader.GetInt16(3),
                    Technician = Text(reader, 4),
                    QcInspector = Text(reader, 5),
                    Remarks = Text(reader, 6),
                    StartedUtc = UtcOrNull(reader, 7),
                    CompletedUtc = UtcOrNull(reader, 8),
                    UpdatedUtc = Utc(reader, 9),
                    Version = reader.GetInt32(10),
                    NotOkCount = reader.GetInt32(11),
                    HadNotOk = reader.GetBoolean(12),
                });
            await reader.NextResultAsync(ct);
            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stageNumber);
            while (await reader.ReadAsync(ct))
                record!.Results.Add(new CheckResult
                {
                    Id = reader.GetInt64(0),
                    StageRecordId = reader.GetInt64(1),
                    StageRecord = record,
                    CheckCode = reader.GetString(2),
                    ModuleX = (QcResult)reader.GetInt16(3),
                    ModuleY = (QcResult)reader.GetInt16(4),
                    MeasuredX = reader.IsDBNull(5) ? null : reader.GetDouble(5),
                    MeasuredY = reader.IsDBNull(6) ? null : reader.GetDouble(6),
                    UpdatedUtc = Utc(reader, 7),
                    DeviationX = Text(reader, 8),
                    DeviationY = Text(reader, 9),
                    Remark = Text(reader, 10),
                });
            return pack;
        }
        finally
        {
            await reader.DisposeAsync();
            if (batch is not null) await batch.DisposeAsync();
            if (command is not null) await command.DisposeAsync();
        }
    }

    private static void AddParameters(DbParameterCollection parameters, DbParameter pack, DbParameter stage, string packId, int stageNumber, bool withStage)
    {
        pack.ParameterName = "@p0";
        pack.DbType = System.Data.DbType.String;
        pack.Value = packId;
        parameters.Add(pack);
        if (!withStage) return;
        stage.ParameterName = "@p1";
        stage.DbType = System.Data.DbType.Int32;
        stage.Value = stageNumber;
        parameters.Add(stage);
    }

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // As MesDbContext's converter: every time is stored in UTC.
    private static DateTime Utc(DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    private static DateTime? UtcOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Utc(reader, ordinal);
}
