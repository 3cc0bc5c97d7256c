using System.Globalization;
using System.Text;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Writes the outcome of one stage save in ONE database command: the stage record (insert or update), the
/// check rows that changed (one multi-row upsert), the pack's status columns and the audit rows (one multi-row insert).
/// Change tracking and SaveChanges cost one statement, and on SQLite one prepared command, per row (about 90 for a
/// full stage) and most of a save's time; this writes the same rows with the same values in four statements, one
/// round trip on PostgreSQL. The SQL is the same for SQLite and PostgreSQL (quoted names, ON CONFLICT, multi-row
/// VALUES). The caller holds the pack's write lock and transaction. Column names follow <see cref="MesDbContext"/>:
/// a renamed property must be renamed here too (the DataEntry tests read every column back through EF on both providers).</summary>
internal sealed class StageRowWriter
{
    private readonly StringBuilder _sql = new(4096);
    private readonly List<object> _values = new(128);
    private readonly Dictionary<object, int> _slots = new();

    public static Task WriteAsync(MesDbContext db, Pack pack, StageRecord record, bool recordIsNew,
        IReadOnlyCollection<CheckResult> changedRows, IReadOnlyCollection<AuditEntry> audit, CancellationToken ct)
    {
        var writer = new StageRowWriter();
        writer.StageRecord(pack, record, recordIsNew);
        writer.CheckRows(pack, record, recordIsNew, changedRows);
        writer.PackStatus(pack);
        writer.AuditRows(audit);
        return db.Database.ExecuteSqlRawAsync(writer._sql.ToString(), writer._values, ct);
    }

    private void StageRecord(Pack pack, StageRecord r, bool isNew)
    {
        if (isNew)
        {
            _sql.Append("INSERT INTO \"StageRecords\" (\"PackRowId\", \"StageNumber\", \"Status\", \"Technician\", \"QcInspector\", \"Remarks\", ")
                .Append("\"StartedUtc\", \"CompletedUtc\", \"UpdatedUtc\", \"Version\", \"NotOkCount\", \"HadNotOk\") VALUES (")
                .Append(Value(pack.Id)).Append(", ").Append(Value(r.StageNumber)).Append(", ").Append(Value((short)r.Status)).Append(", ")
                .Append(Value(r.Technician)).Append(", ").Append(Value(r.QcInspector)).Append(", ").Append(Value(r.Remarks)).Append(", ")
                .Append(Value(r.StartedUtc)).Append(", ").Append(Value(r.CompletedUtc)).Append(", ").Append(Value(r.UpdatedUtc)).Append(", ")
                .Append(Value(r.Version)).Append(", ").Append(Value(r.NotOkCount)).Append(", ").Append(Value(r.HadNotOk)).Append(");\n");
            return;
        }
        _sql.Append("UPDATE \"StageRecords\" SET \"Status\" = ").Append(Value((short)r.Status))
            .Append(", \"Technician\" = ").Append(Value(r.Technician))
            .Append(", \"QcInspector\" = ").Append(Value(r.QcInspector))
            .Append(", \"Remarks\" = ").Append(Value(r.Remarks))
            .Append(", \"StartedUtc\" = ").Append(Value(r.StartedUtc))
            .Append(", \"CompletedUtc\" = ").Append(Value(r.CompletedUtc))
            .Append(", \"UpdatedUtc\" = ").Append(Value(r.UpdatedUtc))
            .Append(", \"Version\" = ").Append(Value(r.Version))
            .Append(", \"NotOkCount\" = ").Append(Value(r.NotOkCount))
            .Append(", \"HadNotOk\" = ").Append(Value(r.HadNotOk))
            .Append(" WHERE \"Id\" = ").Append(Value(r.Id)).Append(";\n");
    }

    private void CheckRows(Pack pack, StageRecord record, bool recordIsNew, IReadOnlyCollection<CheckResult> rows)
    {
        if (rows.Count == 0) return;
        // A new stage record's id is not known before the command runs: each row finds it by the unique (pack, stage).
        var stageRecordId = recordIsNew
            ? $"(SELECT \"Id\" FROM \"StageRecords\" WHERE \"PackRowId\" = {Value(pack.Id)} AND \"StageNumber\" = {Value(record.StageNumber)})"
            : Value(record.Id);
        _sql.Append("INSERT INTO \"CheckResults\" (\"StageRecordId\", \"CheckCode\", \"ModuleX\", \"ModuleY\", \"MeasuredX\", \"MeasuredY\", \"UpdatedUtc\") VALUES ");
        var first = true;
        foreach (var row in rows)
        {
            if (!first) _sql.Append(", ");
            first = false;
            _sql.Append('(').Append(stageRecordId).Append(", ").Append(Value(row.CheckCode)).Append(", ")
                .Append(Value((short)row.ModuleX)).Append(", ").Append(Value((short)row.ModuleY)).Append(", ")
                .Append(Value(row.MeasuredX)).Append(", ").Append(Value(row.MeasuredY)).Append(", ").Append(Value(row.UpdatedUtc)).Append(')');
        }
        // Rows already stored are updated in place (unique index on stage record and check code).
        _sql.Append(" ON CONFLICT (\"StageRecordId\", \"CheckCode\") DO UPDATE SET \"ModuleX\" = excluded.\"ModuleX\", ")
            .Append("\"ModuleY\" = excluded.\"ModuleY\", \"MeasuredX\" = excluded.\"MeasuredX\", \"MeasuredY\" = excluded.\"MeasuredY\", ")
            .Append("\"UpdatedUtc\" = excluded.\"UpdatedUtc\";\n");
    }

    private void PackStatus(Pack pack) =>
        _sql.Append("UPDATE \"Packs\" SET \"Status\" = ").Append(Value((short)pack.Status))
            .Append(", \"CurrentStage\" = ").Append(Value(pack.CurrentStage))
            .Append(", \"CompletedUtc\" = ").Append(Value(pack.CompletedUtc))
            .Append(", \"UpdatedUtc\" = ").Append(Value(pack.UpdatedUtc))
            .Append(" WHERE \"Id\" = ").Append(Value(pack.Id)).Append(";\n");

    private void AuditRows(IReadOnlyCollection<AuditEntry> audit)
    {
        if (audit.Count == 0) return;
        _sql.Append("INSERT INTO \"AuditLog\" (\"AtUtc\", \"PackId\", \"StageNumber\", \"CheckCode\", \"Action\", \"Field\", \"OldValue\", ")
            .Append("\"NewValue\", \"User\", \"Client\", \"Reason\") VALUES ");
        var first = true;
        foreach (var a in audit)
        {
            if (!first) _sql.Append(", ");
            first = false;
            _sql.Append('(').Append(Value(a.AtUtc)).Append(", ").Append(Value(a.PackId)).Append(", ").Append(Value(a.StageNumber)).Append(", ")
                .Append(Value(a.CheckCode)).Append(", ").Append(Value(a.Action)).Append(", ").Append(Value(a.Field)).Append(", ")
                .Append(Value(a.OldValue)).Append(", ").Append(Value(a.NewValue)).Append(", ").Append(Value(a.User)).Append(", ")
                .Append(Value(a.Client)).Append(", ").Append(Value(a.Reason)).Append(')');
        }
        _sql.Append(";\n");
    }

    /// <summary>A parameter placeholder for the value; equal values share one parameter (the audit rows of a save
    /// repeat the time, pack, user and client), which keeps a full stage near 100 parameters instead of 1,000.
    /// Null is written as the literal NULL: an untyped null parameter shared by a text and a number column would
    /// leave PostgreSQL unable to give the parameter one type.</summary>
    private string Value(object? value)
    {
        if (value is null) return "NULL";
        if (!_slots.TryGetValue(value, out var slot))
        {
            slot = _values.Count;
            _values.Add(value);
            _slots.Add(value, slot);
        }
        return "{" + slot.ToString(CultureInfo.InvariantCulture) + "}";
    }
}
