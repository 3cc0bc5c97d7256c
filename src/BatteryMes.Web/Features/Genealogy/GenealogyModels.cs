using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.Genealogy;

/// <summary>One fitting of a cell or module into a pack, with the component's values; removed links keep who removed
/// them, why, and the link that took their place.</summary>
public sealed record ComponentPlace(
    long LinkId,
    ComponentKind Kind,
    string Serial,
    string PackId,
    Module Side,
    int? Position,
    int StageNumber,
    string? Lot,
    double? CapacityAh,
    double? VoltageV,
    double? ResistanceMilliOhm,
    string? Source,
    DateTime LinkedUtc,
    string LinkedBy,
    DateTime? RemovedUtc = null,
    string? RemovedBy = null,
    string? RemovedReason = null,
    long? ReplacedByLinkId = null)
{
    public bool InPlace => RemovedUtc is null;

    /// <summary>"Module X, position 5" or "Module Y" (for a module itself).</summary>
    public string Where => Position is { } p ? $"Module {Side}, position {p}" : $"Module {Side}";
}

public enum ScanOutcome
{
    /// <summary>The component was fitted now.</summary>
    Linked,
    /// <summary>Pack assembly: the module fitted at module assembly is the one scanned.</summary>
    Confirmed,
    /// <summary>The component is already where it was scanned: nothing changed.</summary>
    AlreadyHere,
    /// <summary>The component is in place elsewhere, or the place is taken: nothing changed.</summary>
    Refused,
    Invalid,
    PackNotFound,
    NotPermitted,
}

/// <summary>The result of a scan or a rework action, with a message a person can act on.</summary>
public sealed record ScanResult(ScanOutcome Outcome, string Message, ComponentPlace? Place = null)
{
    public bool Changed => Outcome is ScanOutcome.Linked;
    public bool Accepted => Outcome is ScanOutcome.Linked or ScanOutcome.Confirmed or ScanOutcome.AlreadyHere;
}

/// <summary>A pack with its status and hold, as trace and recall lists show it.</summary>
public sealed record PackSummary(string PackId, PackStatus Status, int CurrentStage, string CurrentStageName, string? HoldReason, DateTime? HeldUtc, string? HeldBy);

/// <summary>A pack's modules and cells in place, and what was removed in rework.</summary>
public sealed record PackComponents(PackSummary Pack, IReadOnlyList<ComponentPlace> Modules, IReadOnlyList<ComponentPlace> Cells, IReadOnlyList<ComponentPlace> Removed);

/// <summary>A cell or module and where it is: its place now (if fitted) and every fitting, newest first.</summary>
public sealed record ComponentTrace(ComponentKind Kind, string Serial, string? Lot, double? CapacityAh, double? VoltageV, double? ResistanceMilliOhm,
    string? Source, PackSummary? Pack, ComponentPlace? Current, IReadOnlyList<ComponentPlace> History, IReadOnlyList<ComponentPlace> Cells);

/// <summary>A pack holding cells of a lot.</summary>
public sealed record LotPack(PackSummary Pack, int CellsOfLot);

/// <summary>One page of the packs holding cells of a lot.</summary>
public sealed record LotTrace(string Lot, int CellsInLot, int PackCount, int Page, int PageSize, IReadOnlyList<LotPack> Packs);

/// <summary>What a person asks of a fitted component in the panel.</summary>
public enum ComponentAction
{
    Values,
    Replace,
    Remove,
}
