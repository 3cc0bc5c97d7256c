using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.DataEntry;

/// <summary>A save reads only the stage it writes and the stored statuses of the others: blocking and the pack's
/// status must still come out as if every result of the pack had been read.</summary>
public class StageSaveRulesTests
{
    private static readonly Actor Asha = new("Asha", "10.0.0.5");

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_later_stage_is_blocked_by_the_first_NOT_OK_of_the_earliest_stage_and_freed_once_it_is_corrected(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var (first, second, third) = (route.Stages[0], route.Stages[1], route.Stages[2]);
        await recorder.CreatePackAsync("BP-B1", null, null, Asha);
        // Stage 2 takes its NOT OK first (nothing blocks it yet); stage 1's NOT OK comes after, as in rework.
        Assert.True((await recorder.SaveStageAsync(new StageSave("BP-B1", second.Number, [new CheckInput(second.Checks[0].Code, ModuleX: QcResult.NotOk)]), Asha)).Succeeded);
        // That check requires a measured value: OK with an in-limit one, NOT OK with one above the limits.
        var measured = first.Checks[1];
        var (inLimit, outOfLimit) = (TestChecks.InLimits(measured)!.Value, measured.Limits!.Max!.Value + 1);
        Assert.True((await recorder.SaveStageAsync(new StageSave("BP-B1", first.Number, [new CheckInput(measured.Code, ModuleX: QcResult.Ok, ModuleY: QcResult.NotOk, MeasuredX: inLimit, MeasuredY: outOfLimit)]), Asha)).Succeeded);

        var blocked = await recorder.SaveStageAsync(new StageSave("BP-B1", third.Number, [new CheckInput(third.Checks[0].Code, ModuleX: QcResult.Ok)]), Asha);

        Assert.Equal(RecordingStatus.Blocked, blocked.Status);
        Assert.Equal(new Blocker(first.Number, first.Name, first.Checks[1].Code, Module.Y), blocked.Blocker);

        Assert.True((await recorder.SaveStageAsync(new StageSave("BP-B1", first.Number, [new CheckInput(measured.Code, ModuleY: QcResult.Ok, MeasuredY: inLimit)]), Asha)).Succeeded);
        var stillBlocked = await recorder.SaveStageAsync(new StageSave("BP-B1", third.Number, [new CheckInput(third.Checks[0].Code, ModuleX: QcResult.Ok)]), Asha);
        Assert.Equal(new Blocker(second.Number, second.Name, second.Checks[0].Code, Module.X), stillBlocked.Blocker);

        await recorder.SaveStageAsync(new StageSave("BP-B1", second.Number, [new CheckInput(second.Checks[0].Code, ModuleX: QcResult.NotApplicable)]), Asha);
        var saved = await recorder.SaveStageAsync(new StageSave("BP-B1", third.Number, [new CheckInput(third.Checks[0].Code, ModuleX: QcResult.Ok)]), Asha);
        Assert.True(saved.Succeeded, saved.Message);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_pack_status_after_saving_a_later_stage_counts_the_stored_status_of_every_stage(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var (first, second) = (route.Stages[0], route.Stages[1]);
        await recorder.CreatePackAsync("BP-S1", null, null, Asha);
        var full = TestChecks.Passing(first);
        Assert.True((await recorder.SaveStageAsync(new StageSave("BP-S1", first.Number, full), Asha)).Succeeded);
        Assert.True((await recorder.CompleteStageAsync("BP-S1", first.Number, Asha)).Succeeded);

        await recorder.SaveStageAsync(new StageSave("BP-S1", second.Number, [new CheckInput(second.Checks[0].Code, ModuleX: QcResult.NotOk)]), Asha);
        var withIssue = (await recorder.GetPackAsync("BP-S1"))!;
        Assert.Equal((PackStatus.QcIssues, second.Number), (withIssue.Status, withIssue.CurrentStage));

        await recorder.SaveStageAsync(new StageSave("BP-S1", second.Number, [new CheckInput(second.Checks[0].Code, ModuleX: QcResult.Ok)]), Asha);
        var corrected = (await recorder.GetPackAsync("BP-S1"))!;
        Assert.Equal((PackStatus.InProcess, second.Number), (corrected.Status, corrected.CurrentStage));
        Assert.Equal(StageStatus.Completed, corrected.Stages[0].Status);
        Assert.Equal(StageStatus.InProgress, corrected.Stages[1].Status);
        await using var db = await app.OpenAsync();
        Assert.Equal(PackStatus.InProcess, (await db.Packs.SingleAsync(p => p.PackId == "BP-S1")).Status);
    }
}
