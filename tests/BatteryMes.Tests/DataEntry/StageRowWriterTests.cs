using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.DataEntry;

/// <summary>A save writes its rows with one set-based command (StageRowWriter), not through change tracking: every
/// column of the stage record, the check rows, the pack and the audit rows must read back through EF exactly as the
/// rules computed them, on both providers, for a first save (inserts) and a later one (updates in place).</summary>
public class StageRowWriterTests
{
    private static readonly Actor Asha = new("Asha", "10.0.0.5", "asha");
    private static readonly Actor Ben = new("Ben", "10.0.0.9", "ben");
    // Whole microseconds: PostgreSQL keeps microseconds, SQLite ticks; both must give back the same instant.
    private static readonly DateTime FirstSaveAt = new(2026, 3, 2, 6, 15, 30, 123, 456, DateTimeKind.Utc);
    private static readonly DateTime SecondSaveAt = FirstSaveAt.AddMinutes(7);

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_first_full_save_stores_the_stage_record_one_row_per_check_the_pack_status_and_one_audit_row_per_field(DatabaseProvider provider)
    {
        var clock = new ManualClock(FirstSaveAt.AddHours(-1));
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync(s => s.AddSingleton<TimeProvider>(clock));
        var recorder = app.GetRequiredService<PackRecorder>();
        var stage = app.GetRequiredService<ProcessRoute>().Stages.First(s => s.Checks.Any(c => c.IsMeasurable));
        Assert.True((await recorder.CreatePackAsync("BP-W1", null, null, Asha)).Succeeded);
        var measurable = stage.Checks.First(c => c.IsMeasurable);
        clock.UtcNow = FirstSaveAt;

        // OK needs an in-limit value wherever the check requires one; N/A needs none (a value typed for it is still kept).
        var inLimit = TestChecks.InLimits(measurable)!.Value;
        var others = stage.Checks.Where(c => c != measurable && c.RequiresValue).ToDictionary(c => c.Code, c => TestChecks.InLimits(c));
        var saved = await recorder.SaveStageAsync(new StageSave("BP-W1", stage.Number,
            stage.Checks.Select(c => c == measurable
                ? new CheckInput(c.Code, QcResult.Ok, QcResult.NotApplicable, inLimit, 4.5)
                : new CheckInput(c.Code, QcResult.Ok, QcResult.NotApplicable, others.GetValueOrDefault(c.Code))).ToList(),
            Remarks: "O'Brien said {0} \"fine\"; -- DROP TABLE \"Packs\""), Asha);

        Assert.True(saved.Succeeded, saved.Message);
        await using var db = await app.OpenAsync();
        var record = await db.StageRecords.AsNoTracking().Include(s => s.Results).SingleAsync(s => s.Pack.PackId == "BP-W1");
        // The technician is the person who saved; the QC inspector waits for the sign-off.
        Assert.Equal((stage.Number, StageStatus.ReadyToComplete, "Asha", (string?)null), (record.StageNumber, record.Status, record.Technician, record.QcInspector));
        Assert.Equal("O'Brien said {0} \"fine\"; -- DROP TABLE \"Packs\"", record.Remarks);
        Assert.Equal((FirstSaveAt, (DateTime?)null, FirstSaveAt, 1, 0, false),
            (record.StartedUtc!.Value, record.CompletedUtc, record.UpdatedUtc, record.Version, record.NotOkCount, record.HadNotOk));
        Assert.Equal(saved.Stage!.Baseline, new StageBaseline(record.Version, record.UpdatedUtc));
        Assert.Equal(stage.Checks.Select(c => c.Code).Order(), record.Results.Select(r => r.CheckCode).Order());
        Assert.All(record.Results, r => Assert.Equal((QcResult.Ok, QcResult.NotApplicable, FirstSaveAt), (r.ModuleX, r.ModuleY, r.UpdatedUtc)));
        var measured = record.Results.Single(r => r.CheckCode == measurable.Code);
        Assert.Equal((inLimit, 4.5), (measured.MeasuredX!.Value, measured.MeasuredY!.Value));
        Assert.All(record.Results.Where(r => r != measured), r => Assert.Equal((others.GetValueOrDefault(r.CheckCode), (double?)null), (r.MeasuredX, r.MeasuredY)));

        var pack = await db.Packs.AsNoTracking().SingleAsync(p => p.PackId == "BP-W1");
        Assert.Equal((PackStatus.InProcess, stage.Number, (DateTime?)null, FirstSaveAt), (pack.Status, pack.CurrentStage, pack.CompletedUtc, pack.UpdatedUtc));

        var audit = await db.AuditLog.AsNoTracking().Where(a => a.PackId == "BP-W1" && a.Action == "Save").ToListAsync();
        Assert.Equal(stage.Checks.Count * 2 + 2 + others.Count + 2, audit.Count);
        Assert.All(audit, a => Assert.Equal((FirstSaveAt, (int?)stage.Number, "Asha", "asha", "10.0.0.5", (string?)null),
            (a.AtUtc, a.StageNumber, a.User, a.UserLogin, a.Client, a.Reason)));
        // Nothing was stored before: an empty result reads "" and an absent value or text null, as the old tracked writes had it.
        Assert.All(audit, a => Assert.Equal(a.Field.StartsWith("Module", StringComparison.Ordinal) ? "" : null, a.OldValue));
        Assert.Contains(audit, a => (a.CheckCode, a.Field, a.NewValue) == (measurable.Code, "Measured X", QcJudging.Format(inLimit)));
        Assert.Contains(audit, a => (a.CheckCode, a.Field, a.NewValue) == (measurable.Code, "Module Y", "N/A"));
        Assert.Contains(audit, a => (a.CheckCode, a.Field, a.NewValue) == (null, "Technician", "Asha"));
        Assert.DoesNotContain(audit, a => a.Field == "QC inspector");
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_later_save_updates_only_the_changed_rows_in_place_clears_a_text_and_records_old_and_new_values(DatabaseProvider provider)
    {
        var clock = new ManualClock(FirstSaveAt);
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync(s => s.AddSingleton<TimeProvider>(clock));
        var recorder = app.GetRequiredService<PackRecorder>();
        var stage = app.GetRequiredService<ProcessRoute>().Stages[0];
        Assert.True((await recorder.CreatePackAsync("BP-W2", null, null, Asha)).Succeeded);
        var first = await recorder.SaveStageAsync(new StageSave("BP-W2", stage.Number,
            TestChecks.Passing(stage), Remarks: "first pass"), Asha);
        Assert.True(first.Succeeded, first.Message);
        long[] rowIds;
        await using (var db = await app.OpenAsync())
            rowIds = await db.CheckResults.AsNoTracking().OrderBy(r => r.Id).Select(r => r.Id).ToArrayAsync();
        clock.UtcNow = SecondSaveAt;

        // The changed check has no limits, so NOT OK needs no value; the untouched one keeps its stored in-limit value.
        var (changed, untouched) = (stage.Checks.First(c => c.Limits is null).Code, stage.Checks[0].Code);
        var second = await recorder.SaveStageAsync(new StageSave("BP-W2", stage.Number,
            [new CheckInput(changed, ModuleY: QcResult.NotOk), new CheckInput(untouched, QcResult.Ok)], Remarks: ""), Ben);

        Assert.True(second.Succeeded, second.Message);
        await using var check = await app.OpenAsync();
        var record = await check.StageRecords.AsNoTracking().Include(s => s.Results).SingleAsync(s => s.Pack.PackId == "BP-W2");
        Assert.Equal((StageStatus.QcNotOk, 2, 1, true, "Ben", (string?)null), (record.Status, record.Version, record.NotOkCount, record.HadNotOk, record.Technician, record.Remarks));
        Assert.Equal((FirstSaveAt, SecondSaveAt), (record.StartedUtc!.Value, record.UpdatedUtc));
        Assert.Equal(rowIds, record.Results.Select(r => r.Id).Order().ToArray());
        var changedRow = record.Results.Single(r => r.CheckCode == changed);
        Assert.Equal((QcResult.Ok, QcResult.NotOk, SecondSaveAt), (changedRow.ModuleX, changedRow.ModuleY, changedRow.UpdatedUtc));
        Assert.All(record.Results.Where(r => r != changedRow), r => Assert.Equal((QcResult.Ok, QcResult.Ok, FirstSaveAt), (r.ModuleX, r.ModuleY, r.UpdatedUtc)));

        var pack = await check.Packs.AsNoTracking().SingleAsync(p => p.PackId == "BP-W2");
        Assert.Equal((PackStatus.QcIssues, SecondSaveAt), (pack.Status, pack.UpdatedUtc));
        var audit = await check.AuditLog.AsNoTracking().Where(a => a.PackId == "BP-W2" && a.AtUtc == SecondSaveAt)
            .Select(a => new { a.CheckCode, a.Field, a.OldValue, a.NewValue, a.User, a.UserLogin, a.Client }).ToListAsync();
        Assert.Equal(3, audit.Count);
        Assert.Contains(new { CheckCode = (string?)changed, Field = "Module Y", OldValue = (string?)"OK", NewValue = (string?)"NOT OK", User = (string?)"Ben", UserLogin = (string?)"ben", Client = (string?)"10.0.0.9" }, audit);
        Assert.Contains(new { CheckCode = (string?)null, Field = "Remarks", OldValue = (string?)"first pass", NewValue = (string?)null, User = (string?)"Ben", UserLogin = (string?)"ben", Client = (string?)"10.0.0.9" }, audit);
        // The second person to save becomes the stage's technician.
        Assert.Contains(new { CheckCode = (string?)null, Field = "Technician", OldValue = (string?)"Asha", NewValue = (string?)"Ben", User = (string?)"Ben", UserLogin = (string?)"ben", Client = (string?)"10.0.0.9" }, audit);
    }
}
