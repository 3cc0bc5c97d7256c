using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>The period a supervisor looks at on the Plan vs Actual and Quality panels.</summary>
public enum DashboardPeriod
{
    Week,
    Month,
}

/// <summary>The headline numbers across all packs. Each pack counts under its stored <see cref="PackStatus"/> alone
/// (the status the tracker shows and filters on): "in process" is <see cref="PackStatus.InProcess"/>, never a
/// registered pack with nothing recorded yet (<see cref="NotStarted"/>).</summary>
public sealed record HeadlineNumbers(int InProcess, int CompletedToday, int ReadyForDispatch, int WithQcIssues, int NotStarted)
{
    public int Total => InProcess + ReadyForDispatch + WithQcIssues + NotStarted;
}

/// <summary>One stage of the line now: packs sitting there (not yet ready for dispatch), how many of them are held
/// by a NOT OK, and the longest a pack there has gone without activity.</summary>
public sealed record StageLoad(int StageNumber, string StageName, int WorkInProgress, int Blocked, DateTime? OldestActivityUtc);

/// <summary>One plant-local day of the plan: the target in force and the packs that reached Ready for Dispatch.</summary>
public sealed record PlanDay(DateOnly Day, int Target, int Actual, int CumulativeTarget, int CumulativeActual);

/// <summary>The plan over a period. <see cref="Today"/> splits it: the target to date counts the days up to and
/// including today (working days only), so a month is not judged against days still to come.</summary>
public sealed record PlanVsActual(DateOnly From, DateOnly To, IReadOnlyList<PlanDay> Days, int TargetToday)
{
    /// <summary>The plant-local day the figures were read on.</summary>
    public DateOnly Today { get; init; }
    public int TotalTarget => Days.Count == 0 ? 0 : Days[^1].CumulativeTarget;
    public int TotalActual => Days.Count == 0 ? 0 : Days[^1].CumulativeActual;
    public int TargetToDate => Days.LastOrDefault(d => d.Day <= Today)?.CumulativeTarget ?? 0;
    public int ActualToDate => Days.LastOrDefault(d => d.Day <= Today)?.CumulativeActual ?? 0;
    /// <summary>True while the period is under way (today lies inside it).</summary>
    public bool IsCurrent => Today >= From && Today <= To;
}

/// <summary>First-pass yield of one stage: of the stage records finished in the period plus those held by a NOT OK
/// now, the share that never had a NOT OK.</summary>
public sealed record StageYield(int StageNumber, string StageName, int Finished, int FirstPass)
{
    public double? Yield => Finished == 0 ? null : (double)FirstPass / Finished;
}

/// <summary>A check that holds a NOT OK on some packs now.</summary>
public sealed record FailingCheck(string CheckCode, int StageNumber, string Description, int Packs);

/// <summary>A result recorded against its measured value, with the reason given (the newest of the period).</summary>
public sealed record DeviationRow(string PackId, string CheckCode, Module Module, string? Result, double? Measured, string Reason, DateTime UpdatedUtc);

public sealed record QualityFigures(IReadOnlyList<StageYield> Stages, IReadOnlyList<FailingCheck> FailingChecks)
{
    public IReadOnlyList<DeviationRow> Deviations { get; init; } = [];
    /// <summary>How many check results of the period hold a deviation.</summary>
    public int DeviationCount { get; init; }
}

/// <summary>What the tracker is asked for: search text, filters, sort and the page.</summary>
public sealed record TrackerQuery
{
    public string? Search { get; init; }
    public PackStatus? Status { get; init; }
    /// <summary>The stage a pack is at now (Pack.CurrentStage).</summary>
    public int? Stage { get; init; }
    /// <summary>Registered on or after this plant-local date.</summary>
    public DateOnly? RegisteredFrom { get; init; }
    /// <summary>Registered on or before this plant-local date.</summary>
    public DateOnly? RegisteredTo { get; init; }
    public TrackerSort Sort { get; init; } = TrackerSort.LastActivity;
    public bool Descending { get; init; } = true;
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
}

public enum TrackerSort
{
    LastActivity,
    PackId,
    Registered,
    Status,
    CurrentStage,
    Completed,
}

/// <summary>One row of the tracker: the pack and the stored status of each of its stages.</summary>
public sealed record TrackerRow(
    string PackId,
    PackStatus Status,
    int CurrentStage,
    DateTime CreatedUtc,
    DateTime UpdatedUtc,
    DateTime? CompletedUtc,
    IReadOnlyDictionary<int, StageStatus> Stages)
{
    public StageStatus StageStatus(int stageNumber) => Stages.GetValueOrDefault(stageNumber, Domain.StageStatus.NotStarted);
}

public sealed record TrackerPage(IReadOnlyList<TrackerRow> Rows, int TotalCount, int Page, int PageSize);

/// <summary>Everything the dashboard shows when it opens (what the benchmark times as "dashboard first screen").</summary>
public sealed record DashboardFirstScreen(
    HeadlineNumbers Headline,
    IReadOnlyList<StageLoad> Stages,
    PlanVsActual Plan,
    QualityFigures Quality,
    TrackerPage Tracker,
    DateTime AtUtc);

/// <summary>The production target in force from a plant-local date.</summary>
public sealed record TargetEntry(DateOnly EffectiveFrom, int PacksPerDay, string? SetBy, DateTime SetUtc);

public sealed record TargetResult(bool Succeeded, string Message);
