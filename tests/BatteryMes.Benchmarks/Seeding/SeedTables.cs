using BatteryMes.Web.Data;

namespace BatteryMes.Benchmarks.Seeding;

/// <summary>The columns the seed writers fill, in one place for both providers (names as the migrations create them).
/// Ids are given explicitly so that rows can reference each other without a round trip.</summary>
internal static class SeedTables
{
    public static readonly (string Table, string[] Columns)[] All =
    [
        ("Packs", ["Id", "PackId", "ModuleXSerial", "ModuleYSerial", "CreatedUtc", "UpdatedUtc", "Status", "CurrentStage", "CompletedUtc"]),
        ("StageRecords", ["Id", "PackRowId", "StageNumber", "Status", "Technician", "QcInspector", "Remarks", "StartedUtc", "CompletedUtc", "UpdatedUtc", "Version", "NotOkCount", "HadNotOk"]),
        ("CheckResults", ["Id", "StageRecordId", "CheckCode", "ModuleX", "ModuleY", "MeasuredX", "MeasuredY", "UpdatedUtc"]),
        ("AuditLog", ["Id", "AtUtc", "PackId", "StageNumber", "CheckCode", "Action", "Field", "OldValue", "NewValue", "User", "Client", "Reason"]),
        ("IssuedLabels", ["Id", "PackId", "BatchId", "Payload", "Prefix", "Number", "IssuedUtc"]),
    ];

    public static object?[] Values(Pack p) => [p.Id, p.PackId, p.ModuleXSerial, p.ModuleYSerial, p.CreatedUtc, p.UpdatedUtc, (int)p.Status, p.CurrentStage, p.CompletedUtc];

    public static object?[] Values(StageRecord s) =>
        [s.Id, s.PackRowId, s.StageNumber, (int)s.Status, s.Technician, s.QcInspector, s.Remarks, s.StartedUtc, s.CompletedUtc, s.UpdatedUtc, s.Version, s.NotOkCount, s.HadNotOk];

    public static object?[] Values(CheckResult r) => [r.Id, r.StageRecordId, r.CheckCode, (int)r.ModuleX, (int)r.ModuleY, r.MeasuredX, r.MeasuredY, r.UpdatedUtc];

    public static object?[] Values(AuditEntry a) => [a.Id, a.AtUtc, a.PackId, a.StageNumber, a.CheckCode, a.Action, a.Field, a.OldValue, a.NewValue, a.User, a.Client, a.Reason];

    public static object?[] Values(IssuedLabel l) => [l.Id, l.PackId, l.BatchId, l.Payload, l.Prefix, l.Number, l.IssuedUtc];

    /// <summary>Rows of one generated pack, table by table in the order of <see cref="All"/>.</summary>
    public static IEnumerable<(int Table, object?[] Values)> Rows(GeneratedPack g)
    {
        yield return (0, Values(g.Pack));
        foreach (var s in g.Stages) yield return (1, Values(s));
        foreach (var s in g.Stages)
            foreach (var r in s.Results) yield return (2, Values(r));
        foreach (var a in g.Audit) yield return (3, Values(a));
        yield return (4, Values(g.Label));
    }
}

/// <summary>What a seeding run wrote, for the log and the results table.</summary>
public sealed record SeedSummary(int Packs, long StageRecords, long CheckResults, long AuditRows, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Packs:N0} packs, {StageRecords:N0} stage records, {CheckResults:N0} check results, {AuditRows:N0} audit rows in {Elapsed.TotalSeconds:N1} s";
}

internal sealed class SeedCounter
{
    public long Stages, Checks, Audit;

    public void Add(GeneratedPack g)
    {
        Stages += g.Stages.Count;
        foreach (var s in g.Stages) Checks += s.Results.Count;
        Audit += g.Audit.Count;
    }
}
