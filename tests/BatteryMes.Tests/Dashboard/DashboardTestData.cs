using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;

namespace BatteryMes.Tests.Dashboard;

/// <summary>A clock the test moves by hand, so packs can be registered and finished on chosen days.</summary>
public sealed class ManualClock(DateTime startUtc) : TimeProvider
{
    public DateTime UtcNow { get; set; } = startUtc;
    public override DateTimeOffset GetUtcNow() => new(UtcNow, TimeSpan.Zero);
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}

/// <summary>Builds packs through the real <see cref="PackRecorder"/>, the way operators do.</summary>
public static class DashboardTestData
{
    public static readonly Actor Tech = new("Asha", "10.0.0.5", "asha");

    public static async Task CreateAsync(PackRecorder recorder, string packId)
    {
        var created = await recorder.CreatePackAsync(packId, null, null, Tech);
        Assert.True(created.Succeeded, created.Message);
    }

    /// <summary>Every check of the stage with the given results for both modules; where the check has limits, each
    /// result carries a measured value that agrees with it (in limits for OK, out of limits for NOT OK).</summary>
    public static async Task SaveStageAsync(PackRecorder recorder, ProcessRoute route, string packId, int stageNumber,
        QcResult x = QcResult.Ok, QcResult y = QcResult.Ok, Func<QcCheck, (QcResult? X, QcResult? Y)>? perCheck = null)
    {
        var inputs = route.GetStage(stageNumber).Checks.Select(c =>
        {
            var (cx, cy) = perCheck?.Invoke(c) ?? (x, y);
            return new CheckInput(c.Code, cx, cy, ValueFor(c, cx), ValueFor(c, cy));
        }).ToList();
        var saved = await recorder.SaveStageAsync(new StageSave(packId, stageNumber, inputs), Tech);
        Assert.True(saved.Succeeded, saved.Message);
    }

    /// <summary>A measured value that agrees with the result: in limits for OK, out of limits for NOT OK, none otherwise.</summary>
    public static double? ValueFor(QcCheck check, QcResult? result) => result switch
    {
        QcResult.Ok => TestChecks.InLimits(check),
        QcResult.NotOk => OutOfLimits(check),
        _ => null,
    };

    /// <summary>A value outside the check's limits (above the top, or below a lone minimum).</summary>
    public static double? OutOfLimits(QcCheck check) => check.Limits switch
    {
        null => null,
        { Max: { } hi } => hi + Math.Max(1, Math.Abs(hi)),
        { Min: { } lo } => lo - Math.Max(1, Math.Abs(lo)),
        _ => null,
    };

    public static async Task CompleteStageAsync(PackRecorder recorder, ProcessRoute route, string packId, int stageNumber)
    {
        await SaveStageAsync(recorder, route, packId, stageNumber);
        var completed = await recorder.CompleteStageAsync(packId, stageNumber, Tech);
        Assert.True(completed.Succeeded, completed.Message);
    }

    /// <summary>A pack with every stage completed: Ready for Dispatch.</summary>
    public static async Task FinishPackAsync(PackRecorder recorder, ProcessRoute route, string packId)
    {
        await CreateAsync(recorder, packId);
        foreach (var stage in route.Stages) await CompleteStageAsync(recorder, route, packId, stage.Number);
    }
}
