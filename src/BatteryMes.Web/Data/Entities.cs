using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Data;

/// <summary>A battery pack, identified by the ID on its label. Status columns are kept up to date by every save
/// (computed by <see cref="StatusRules"/>) so that the dashboard can filter 100,000 packs on an index.</summary>
public sealed class Pack
{
    public long Id { get; set; }
    public string PackId { get; set; } = "";
    public string? ModuleXSerial { get; set; }
    public string? ModuleYSerial { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public PackStatus Status { get; set; }
    /// <summary>The first stage of the route not yet completed.</summary>
    public int CurrentStage { get; set; } = 1;
    /// <summary>When the last stage of the route was completed (ready for dispatch).</summary>
    public DateTime? CompletedUtc { get; set; }
    /// <summary>Why the pack is on hold (a recall of a cell lot, a supervisor's decision); null when it is not.
    /// A pack on hold keeps its stage statuses: the hold is shown beside them and lifted by a supervisor.</summary>
    public string? HoldReason { get; set; }
    public DateTime? HeldUtc { get; set; }
    /// <summary>Full name of the person who put the pack on hold.</summary>
    public string? HeldBy { get; set; }
    public List<StageRecord> Stages { get; set; } = [];
}

/// <summary>One stage of one pack: who recorded it, when it started and ended, and its results.</summary>
public sealed class StageRecord
{
    public long Id { get; set; }
    public long PackRowId { get; set; }
    public Pack Pack { get; set; } = null!;
    public int StageNumber { get; set; }
    public StageStatus Status { get; set; }
    public string? Technician { get; set; }
    public string? QcInspector { get; set; }
    public string? Remarks { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? CompletedUtc { get; set; }
    /// <summary>Login of the person who signed the stage off (their name is in <see cref="QcInspector"/>); null for a
    /// stage completed before sign-in existed, whose inspector was typed.</summary>
    public string? SignedOffBy { get; set; }
    /// <summary>What the signature means ("Approved").</summary>
    public string? SignOffMeaning { get; set; }
    public DateTime UpdatedUtc { get; set; }
    /// <summary>Raised by one on every change; a save that read an older version is a conflicting edit.</summary>
    public int Version { get; set; }
    /// <summary>Number of checks currently holding a NOT OK for either module.</summary>
    public int NotOkCount { get; set; }
    /// <summary>Set once any NOT OK was ever recorded on this stage; never cleared by rework (first-pass yield).</summary>
    public bool HadNotOk { get; set; }
    public List<CheckResult> Results { get; set; } = [];
}

/// <summary>Module X and Module Y result of one check on one stage record. The check's text is not stored:
/// it lives in the route file and is found by <see cref="CheckCode"/>.</summary>
public sealed class CheckResult
{
    public long Id { get; set; }
    public long StageRecordId { get; set; }
    public StageRecord StageRecord { get; set; } = null!;
    public string CheckCode { get; set; } = "";
    public QcResult ModuleX { get; set; }
    public QcResult ModuleY { get; set; }
    public double? MeasuredX { get; set; }
    public double? MeasuredY { get; set; }
    /// <summary>The reason given for Module X's result where its measured value says otherwise (a deviation); null otherwise.</summary>
    public string? DeviationX { get; set; }
    public string? DeviationY { get; set; }
    /// <summary>The operator's remark on this check alone (the stage's remark is <see cref="StageRecord.Remarks"/>).</summary>
    public string? Remark { get; set; }
    public DateTime UpdatedUtc { get; set; }

    public CheckEntry ToEntry() => new(CheckCode, ModuleX, ModuleY, MeasuredX, MeasuredY, DeviationX, DeviationY, Remark);
}

/// <summary>Append-only history: one row per changed field.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTime AtUtc { get; set; }
    public string PackId { get; set; } = "";
    public int? StageNumber { get; set; }
    public string? CheckCode { get; set; }
    /// <summary>What happened: Create, Save, Complete, Reopen, Restore ...</summary>
    public string Action { get; set; } = "";
    public string Field { get; set; } = "";
    public string? OldValue { get; set; }
    public string? NewValue { get; set; }
    /// <summary>The signed-in person's full name at the time; in rows older than sign-in, the name that was typed.</summary>
    public string? User { get; set; }
    /// <summary>The signed-in person's login; null where <see cref="User"/> was typed.</summary>
    public string? UserLogin { get; set; }
    public string? Client { get; set; }
    public string? Reason { get; set; }
}

/// <summary>The daily production target, in force from a plant-local date until the next entry.</summary>
public sealed class ProductionTarget
{
    public long Id { get; set; }
    public DateOnly EffectiveFrom { get; set; }
    public int PacksPerDay { get; set; }
    public string? SetBy { get; set; }
    public DateTime SetUtc { get; set; }
}

/// <summary>A pack ID printed on a label by the QR generator, so that no ID is issued twice.</summary>
public sealed class IssuedLabel
{
    public long Id { get; set; }
    public string PackId { get; set; } = "";
    public string BatchId { get; set; } = "";
    public string Payload { get; set; } = "";
    public string? Prefix { get; set; }
    public int? Number { get; set; }
    public DateTime IssuedUtc { get; set; }
}

/// <summary>A person who may sign in: operators with a badge and PIN, supervisors and admins with a password.
/// Never deleted (old records keep their name): disabled instead.</summary>
public sealed class Person
{
    public long Id { get; set; }
    /// <summary>As the admin typed it; compared without regard to case through <see cref="NormalizedLogin"/>.</summary>
    public string Login { get; set; } = "";
    public string NormalizedLogin { get; set; } = "";
    public string FullName { get; set; } = "";
    /// <summary>Comma-separated <see cref="Role"/> names (<see cref="RoleRules.Store"/>).</summary>
    public string Roles { get; set; } = "";
    public string? PinHash { get; set; }
    public string? PasswordHash { get; set; }
    public bool Disabled { get; set; }
    public int FailedAttempts { get; set; }
    public DateTime? LockedUntilUtc { get; set; }
    /// <summary>Changes when the person is disabled or their PIN, password or roles change: sessions issued before are ended.</summary>
    public string SecurityStamp { get; set; } = "";
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A key an API client sends as <c>Authorization: Bearer ...</c>; it acts as its person. Only a hash is stored.</summary>
public sealed class ApiKey
{
    public long Id { get; set; }
    public long PersonId { get; set; }
    public Person Person { get; set; } = null!;
    public string Name { get; set; } = "";
    /// <summary>The first characters of the key, shown in lists so a key can be recognised without being stored.</summary>
    public string Prefix { get; set; } = "";
    /// <summary>SHA-256 of the whole key, hex. The key is 256 random bits, so a fast hash suffices.</summary>
    public string KeyHash { get; set; } = "";
    public DateTime CreatedUtc { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime? RevokedUtc { get; set; }
    public DateTime? LastUsedUtc { get; set; }
}

/// <summary>What a <see cref="Component"/> is. Numbers are stored; do not renumber.</summary>
public enum ComponentKind : byte
{
    Cell = 0,
    Module = 1,
}

/// <summary>A cell or a module, known by the ID printed or lasered on it (canonical: trimmed, upper case).
/// Cells carry their sorting values, from the cell sorting stage or an import of the supplier's or sorting
/// machine's data.</summary>
public sealed class Component
{
    public long Id { get; set; }
    public ComponentKind Kind { get; set; }
    public string Serial { get; set; } = "";
    /// <summary>The supplier's lot (batch) of a cell: what a recall names.</summary>
    public string? Lot { get; set; }
    public double? CapacityAh { get; set; }
    public double? VoltageV { get; set; }
    public double? ResistanceMilliOhm { get; set; }
    /// <summary>Where the values came from: "scan", or "import: &lt;file name&gt;".</summary>
    public string? Source { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public List<ComponentLink> Links { get; set; } = [];
}

/// <summary>One fitting of a component into a pack: a cell into the pack's Module X or Module Y, or a module onto
/// the pack's X or Y position. Never deleted: a removal (rework) sets <see cref="RemovedUtc"/> and its reason, and a
/// component has at most one link without it (one parent at a time, enforced by a filtered unique index).</summary>
public sealed class ComponentLink
{
    public long Id { get; set; }
    public long ComponentId { get; set; }
    public Component Component { get; set; } = null!;
    public long PackRowId { get; set; }
    public Pack Pack { get; set; } = null!;
    /// <summary>Module X or Module Y of the pack.</summary>
    public Module Side { get; set; }
    /// <summary>Order of the cell within its module (1, 2, ...); null for a module.</summary>
    public int? Position { get; set; }
    /// <summary>The route stage at which the component was scanned in.</summary>
    public int StageNumber { get; set; }
    public DateTime LinkedUtc { get; set; }
    public string LinkedBy { get; set; } = "";
    public string? LinkedByLogin { get; set; }
    public DateTime? RemovedUtc { get; set; }
    public string? RemovedBy { get; set; }
    public string? RemovedByLogin { get; set; }
    public string? RemovedReason { get; set; }
    /// <summary>The link of the component that took this one's place, when it was replaced in rework.</summary>
    public long? ReplacedByLinkId { get; set; }
}

/// <summary>A saved mapping of an import file's column headers to the app's fields (one per import kind), so the
/// next file from the same supplier or machine maps itself.</summary>
public sealed class ImportMapping
{
    public long Id { get; set; }
    /// <summary>What is imported, e.g. "cells".</summary>
    public string Kind { get; set; } = "";
    /// <summary>JSON object: app field name to the file's column header.</summary>
    public string ColumnsJson { get; set; } = "{}";
    public DateTime SavedUtc { get; set; }
    public string? SavedBy { get; set; }
}
