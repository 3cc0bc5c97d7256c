namespace BatteryMes.Web.Domain;

/// <summary>What is recorded for one check of one stage: both modules' results and measured values, the reason of a
/// deviation (a result the measured value contradicts) per module, and the check's own remark.</summary>
public readonly record struct CheckEntry(string CheckCode, QcResult ModuleX, QcResult ModuleY, double? MeasuredX = null, double? MeasuredY = null,
    string? DeviationX = null, string? DeviationY = null, string? Remark = null)
{
    public QcResult Get(Module module) => module == Module.X ? ModuleX : ModuleY;
    public double? Measured(Module module) => module == Module.X ? MeasuredX : MeasuredY;
    public string? Deviation(Module module) => module == Module.X ? DeviationX : DeviationY;
    public bool HasNotOk => ModuleX == QcResult.NotOk || ModuleY == QcResult.NotOk;
    public bool IsComplete => ModuleX.HasValue() && ModuleY.HasValue();
    public bool IsEmpty => !ModuleX.HasValue() && !ModuleY.HasValue() && MeasuredX is null && MeasuredY is null;
}

/// <summary>The facts the status rules need about one stage of one pack.</summary>
public sealed record StageFacts(int StageNumber, IReadOnlyCollection<CheckEntry> Entries, DateTime? CompletedUtc, bool HasAnyRecord = false);

/// <summary>Where a later stage is blocked: the earlier stage and the check that holds a NOT OK.</summary>
public sealed record Blocker(int StageNumber, string StageName, string CheckCode, Module Module)
{
    public string Describe() => $"Stage {StageNumber} ({StageName}) has NOT OK on check {CheckCode} for Module {Module}. Correct it before recording later stages.";
}

/// <summary>The one place where stage and pack status, completion and blocking are decided.
/// The UI, the API, the dashboard and the reports all ask this code.</summary>
public static class StatusRules
{
    public static StageStatus StageStatusOf(RouteStage stage, StageFacts? facts)
    {
        if (facts is null) return StageStatus.NotStarted;
        var relevant = facts.Entries.Where(e => stage.FindCheck(e.CheckCode) is not null).ToList();
        if (relevant.Any(e => e.HasNotOk)) return StageStatus.QcNotOk;
        if (facts.CompletedUtc is not null) return StageStatus.Completed;
        if (IsEveryCheckComplete(stage, relevant)) return StageStatus.ReadyToComplete;
        if (facts.HasAnyRecord || relevant.Any(e => !e.IsEmpty)) return StageStatus.InProgress;
        return StageStatus.NotStarted;
    }

    /// <summary>Complete Process is offered only when both modules have a result (N/A counts) for every check.</summary>
    public static bool IsEveryCheckComplete(RouteStage stage, IEnumerable<CheckEntry> entries)
    {
        var byCode = entries.ToDictionary(e => e.CheckCode, StringComparer.Ordinal);
        return stage.Checks.Count > 0 && stage.Checks.All(c => byCode.TryGetValue(c.Code, out var e) && e.IsComplete
            && QcJudging.Judge(c, e.ModuleX, e.MeasuredX) != Verdict.MissingValue && QcJudging.Judge(c, e.ModuleY, e.MeasuredY) != Verdict.MissingValue);
    }

    /// <summary>The checks of a stage still missing a result, per module (for "Module Y still missing: 2.1.1, ..."), and
    /// checks that require a measured value but have an OK or NOT OK without one (recorded before the route required it).</summary>
    public static IReadOnlyList<string> MissingChecks(RouteStage stage, IEnumerable<CheckEntry> entries, Module module)
    {
        var byCode = entries.ToDictionary(e => e.CheckCode, StringComparer.Ordinal);
        return stage.Checks
            .Where(c => !byCode.TryGetValue(c.Code, out var e) || !e.Get(module).HasValue()
                || QcJudging.Judge(c, e.Get(module), e.Measured(module)) == Verdict.MissingValue)
            .Select(c => c.Code)
            .ToList();
    }

    public static PackStatus PackStatusOf(ProcessRoute route, IReadOnlyDictionary<int, StageStatus> stageStatuses)
    {
        StageStatus Of(int n) => stageStatuses.GetValueOrDefault(n, StageStatus.NotStarted);
        if (route.Stages.Any(s => Of(s.Number) == StageStatus.QcNotOk)) return PackStatus.QcIssues;
        if (route.Stages.All(s => Of(s.Number) == StageStatus.Completed)) return PackStatus.ReadyForDispatch;
        if (route.Stages.Any(s => Of(s.Number) != StageStatus.NotStarted)) return PackStatus.InProcess;
        return PackStatus.NotStarted;
    }

    /// <summary>The stage a pack is at now: the first stage of the route that is not completed
    /// (the last stage once every stage is completed).</summary>
    public static int CurrentStageOf(ProcessRoute route, IReadOnlyDictionary<int, StageStatus> stageStatuses) =>
        route.Stages.FirstOrDefault(s => stageStatuses.GetValueOrDefault(s.Number) != StageStatus.Completed)?.Number
        ?? route.LastStage.Number;

    /// <summary>A later stage cannot be recorded while an earlier stage of the same pack holds a NOT OK.</summary>
    public static Blocker? BlockerFor(ProcessRoute route, int stageNumber, IReadOnlyDictionary<int, IReadOnlyCollection<CheckEntry>> entriesByStage)
    {
        foreach (var stage in route.Stages)
        {
            if (stage.Number >= stageNumber) break;
            if (!entriesByStage.TryGetValue(stage.Number, out var entries)) continue;
            foreach (var check in stage.Checks)
            {
                var entry = entries.FirstOrDefault(e => e.CheckCode == check.Code);
                if (entry.ModuleX == QcResult.NotOk) return new Blocker(stage.Number, stage.Name, check.Code, Module.X);
                if (entry.ModuleY == QcResult.NotOk) return new Blocker(stage.Number, stage.Name, check.Code, Module.Y);
            }
        }
        return null;
    }
}
