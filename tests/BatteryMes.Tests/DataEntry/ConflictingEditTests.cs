using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.DataEntry;

/// <summary>Two people on one pack: a save writes only the fields its user changed, and a field someone else changed
/// after the form was loaded is never overwritten silently.</summary>
public class ConflictingEditTests
{
    private static readonly Actor Asha = new("Asha", "10.0.0.5");
    private static readonly Actor Ravi = new("Ravi", "10.0.0.6");

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Module_X_and_Module_Y_saved_from_the_same_loaded_form_are_both_kept(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        await recorder.CreatePackAsync("BP-1", null, null, Asha);
        var loaded = (await recorder.GetStageAsync("BP-1", 1))!.Baseline;

        var x = recorder.SaveStageAsync(new StageSave("BP-1", 1, [new CheckInput("1.2.1", ModuleX: QcResult.Ok), new CheckInput("1.2.2", ModuleX: QcResult.Ok)], Since: loaded), Asha);
        var y = recorder.SaveStageAsync(new StageSave("BP-1", 1, [new CheckInput("1.2.1", ModuleY: QcResult.NotApplicable), new CheckInput("1.2.2", ModuleY: QcResult.Ok)], Since: loaded), Ravi);
        var results = await Task.WhenAll(x, y);

        Assert.All(results, r => Assert.False(r.HasConflicts, r.Message));
        var stage = (await recorder.GetStageAsync("BP-1", 1))!;
        Assert.Contains(new CheckEntry("1.2.1", QcResult.Ok, QcResult.NotApplicable), stage.Entries);
        Assert.Contains(new CheckEntry("1.2.2", QcResult.Ok, QcResult.Ok), stage.Entries);
        Assert.Equal(2, stage.Version);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_field_changed_by_someone_else_since_loading_is_reported_and_the_untouched_fields_are_saved(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        await recorder.CreatePackAsync("BP-2", null, null, Asha);
        await recorder.SaveStageAsync(new StageSave("BP-2", 1, [new CheckInput("1.2.1", ModuleX: QcResult.Ok)]), Asha);
        var loadedByBoth = (await recorder.GetStageAsync("BP-2", 1))!.Baseline;
        await recorder.SaveStageAsync(new StageSave("BP-2", 1, [new CheckInput("1.2.1", ModuleX: QcResult.NotApplicable)], Remarks: "Asha's note", Since: loadedByBoth), Asha);

        var ravi = await recorder.SaveStageAsync(new StageSave("BP-2", 1,
            [new CheckInput("1.2.1", ModuleX: QcResult.NotOk), new CheckInput("1.2.3", ModuleX: QcResult.Ok)], Remarks: "Ravi's note", Since: loadedByBoth), Ravi);

        Assert.True(ravi.Succeeded, ravi.Message);
        Assert.Equal(
            [new FieldConflict("1.2.1", "Module X", "NOT OK", "N/A"), new FieldConflict(null, "Remarks", "Ravi's note", "Asha's note")],
            ravi.Conflicts!.ToList());
        var stage = (await recorder.GetStageAsync("BP-2", 1))!;
        Assert.Equal(QcResult.NotApplicable, stage.Entries.Single(e => e.CheckCode == "1.2.1").ModuleX);
        Assert.Equal(QcResult.Ok, stage.Entries.Single(e => e.CheckCode == "1.2.3").ModuleX);
        Assert.Equal("Asha's note", stage.Remarks);

        // The user chose their own value: saving again against the version now shown goes through.
        var keepMine = await recorder.SaveStageAsync(new StageSave("BP-2", 1, [new CheckInput("1.2.1", ModuleX: QcResult.NotOk)], Since: stage.Baseline), Ravi);
        Assert.False(keepMine.HasConflicts);
        Assert.Equal(QcResult.NotOk, keepMine.Stage!.Entries.Single(e => e.CheckCode == "1.2.1").ModuleX);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Rejecting_on_conflict_saves_nothing_and_returns_the_current_values(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        await recorder.CreatePackAsync("BP-3", null, null, Asha);
        var loaded = (await recorder.GetStageAsync("BP-3", 1))!.Baseline;
        await recorder.SaveStageAsync(new StageSave("BP-3", 1, [new CheckInput("1.1.1", MeasuredX: 3.59)], Since: loaded), Asha);

        var result = await recorder.SaveStageAsync(new StageSave("BP-3", 1,
            [new CheckInput("1.1.1", MeasuredX: 3.70), new CheckInput("1.2.1", ModuleY: QcResult.Ok)], Since: loaded, OnConflict: ConflictHandling.RejectAll), Ravi);

        Assert.Equal(RecordingStatus.Conflict, result.Status);
        Assert.Contains(result.Conflicts!, c => c is { CheckCode: "1.1.1", Field: "Measured X", Mine: "3.7", Theirs: "3.59" });
        Assert.Equal(3.59, result.Stage!.Entries.Single(e => e.CheckCode == "1.1.1").MeasuredX);
        var stage = (await recorder.GetStageAsync("BP-3", 1))!;
        Assert.DoesNotContain(stage.Entries, e => e.CheckCode == "1.2.1");
        Assert.Equal(1, stage.Version);
        await using var db = await app.OpenAsync();
        Assert.Equal(0, await db.AuditLog.CountAsync(a => a.User == "Ravi"));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Sending_the_value_someone_else_already_saved_is_no_conflict(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        await recorder.CreatePackAsync("BP-4", null, null, Asha);
        var loaded = (await recorder.GetStageAsync("BP-4", 1))!.Baseline;
        await recorder.SaveStageAsync(new StageSave("BP-4", 1, [new CheckInput("1.2.1", QcResult.Ok, QcResult.Ok)], Since: loaded), Asha);

        var same = await recorder.SaveStageAsync(new StageSave("BP-4", 1, [new CheckInput("1.2.1", QcResult.Ok, QcResult.Ok)], Since: loaded, OnConflict: ConflictHandling.RejectAll), Ravi);

        Assert.Equal(RecordingStatus.Done, same.Status);
        Assert.False(same.HasConflicts);
    }

    [Fact]
    public void A_stage_etag_reads_back_as_the_same_version()
    {
        var baseline = new StageBaseline(7, new DateTime(2026, 11, 25, 15, 0, 0, 123, DateTimeKind.Utc));

        Assert.True(StageBaseline.TryParseETag(baseline.ToETag(), out var parsed));
        Assert.Equal(baseline, parsed);
        Assert.True(StageBaseline.TryParseETag("W/" + baseline.ToETag(), out _));
        Assert.False(StageBaseline.TryParseETag("\"banana\"", out _));
        Assert.False(StageBaseline.TryParseETag("\"1-99999999999999999999\"", out _));
    }
}
