using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.DataEntry;

/// <summary>The save's statements have fixed texts (one per shape, values as typed parameters, check and audit rows as
/// one JSON array) and run on pooled contexts and connections: saves of every shape one after another, on the same
/// pooled context, must each store exactly their own values; measured values must come back as the very same doubles;
/// two people saving different modules of one new stage at once must both keep their results.</summary>
public class StageSaveStatementTests
{
    private static readonly Actor Asha = new("Asha", "10.0.0.5", "asha");
    private static readonly Actor Ben = new("Ben", "10.0.0.9", "ben");
    private static readonly DateTime At = new(2026, 3, 2, 6, 15, 30, 123, 456, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Saves_of_different_shapes_in_a_row_each_store_their_own_values_and_audit_rows_in_field_order(DatabaseProvider provider)
    {
        var clock = new ManualClock(At);
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync(s => s.AddSingleton<TimeProvider>(clock));
        var recorder = app.GetRequiredService<PackRecorder>();
        var stage = app.GetRequiredService<ProcessRoute>().Stages.First(s => s.Checks.Count(c => c.IsMeasurable) >= 2 && s.Checks.Count >= 4);
        var measurable = stage.Checks.Where(c => c.IsMeasurable).Take(2).ToArray();
        var plain = stage.Checks.Where(c => !c.IsMeasurable).ToArray();
        Assert.True((await recorder.CreatePackAsync("BP-S1", null, null, Asha)).Succeeded);
        Assert.True((await recorder.CreatePackAsync("BP-S2", null, null, Asha)).Succeeded);

        // 1: a new stage record with one check row; 2: another pack, new record, two rows with awkward measured values;
        // 3: the first pack again, stored record, other rows; 4: text only, no check row.
        // The values agree with their results (OK inside the limits, NOT OK outside them): awkward doubles near the bounds.
        var (lo, hi1) = (measurable[0].Limits!.Min!.Value, measurable[1].Limits!.Max!.Value);
        var (firstX, tinyX, longY, thirdY, aboveY) = (lo + (0.1 + 0.2) / 100, lo + 1e-7, lo + 0.0112345678901234567, lo + 2.0 / 300, hi1 + 1.0 / 3000);
        var saves = new (string Pack, StageSave Save, Actor Actor)[]
        {
            ("BP-S1", new StageSave("BP-S1", stage.Number, [new CheckInput(measurable[0].Code, QcResult.Ok, MeasuredX: firstX)]), Asha),
            ("BP-S2", new StageSave("BP-S2", stage.Number,
                [new CheckInput(measurable[0].Code, QcResult.Ok, QcResult.Ok, tinyX, longY), new CheckInput(measurable[1].Code, QcResult.NotApplicable, QcResult.NotOk, -0.0001, aboveY)],
                Remarks: "{0} \"quoted\" \\ back-slash, ünïcode, [\"json\"]"), Ben),
            ("BP-S1", new StageSave("BP-S1", stage.Number,
                [new CheckInput(plain[0].Code, QcResult.Ok, QcResult.Ok), new CheckInput(measurable[0].Code, ModuleY: QcResult.Ok, MeasuredY: thirdY)]), Ben),
            ("BP-S1", new StageSave("BP-S1", stage.Number, [], Remarks: "text only"), Asha),
        };
        for (var i = 0; i < saves.Length; i++)
        {
            clock.UtcNow = At.AddMinutes(i);
            var result = await recorder.SaveStageAsync(saves[i].Save, saves[i].Actor);
            Assert.True(result.Succeeded, $"save {i + 1}: {result.Message}");
        }

        await using var db = await app.OpenAsync();
        var records = await db.StageRecords.AsNoTracking().Include(s => s.Results).Include(s => s.Pack).ToListAsync();
        var first = records.Single(r => r.Pack.PackId == "BP-S1");
        var second = records.Single(r => r.Pack.PackId == "BP-S2");
        Assert.Equal((3, "Asha", (string?)null, "text only", At.AddMinutes(3)), (first.Version, first.Technician, first.QcInspector, first.Remarks, first.UpdatedUtc));
        Assert.Equal((1, "{0} \"quoted\" \\ back-slash, ünïcode, [\"json\"]", StageStatus.QcNotOk, 1), (second.Version, second.Remarks, second.Status, second.NotOkCount));
        var m0 = first.Results.Single(r => r.CheckCode == measurable[0].Code);
        Assert.Equal((QcResult.Ok, QcResult.Ok, firstX, thirdY, At.AddMinutes(2)), (m0.ModuleX, m0.ModuleY, m0.MeasuredX!.Value, m0.MeasuredY!.Value, m0.UpdatedUtc));
        Assert.Equal((QcResult.Ok, QcResult.Ok, (double?)null), (first.Results.Single(r => r.CheckCode == plain[0].Code).ModuleX, first.Results.Single(r => r.CheckCode == plain[0].Code).ModuleY, first.Results.Single(r => r.CheckCode == plain[0].Code).MeasuredX));
        Assert.Equal(2, first.Results.Count);
        var s0 = second.Results.Single(r => r.CheckCode == measurable[0].Code);
        var s1 = second.Results.Single(r => r.CheckCode == measurable[1].Code);
        // The measured values come back bit for bit.
        Assert.Equal((tinyX, longY), (s0.MeasuredX!.Value, s0.MeasuredY!.Value));
        Assert.Equal((QcResult.NotApplicable, QcResult.NotOk, -0.0001, aboveY), (s1.ModuleX, s1.ModuleY, s1.MeasuredX!.Value, s1.MeasuredY!.Value));
        Assert.Equal(PackStatus.QcIssues, (await db.Packs.AsNoTracking().SingleAsync(p => p.PackId == "BP-S2")).Status);

        // One audit row per changed field, in the order the save met them (ids rise with it), each with its own save's values.
        var audit = await db.AuditLog.AsNoTracking().Where(a => a.Action == "Save").OrderBy(a => a.Id).ToListAsync();
        var expected = new (string Pack, string? Code, string Field, string? Old, string? New, string User, int Minute)[]
        {
            ("BP-S1", measurable[0].Code, "Measured X", null, QcJudging.Format(firstX), "Asha", 0),
            ("BP-S1", measurable[0].Code, "Module X", "", "OK", "Asha", 0),
            ("BP-S1", null, "Technician", null, "Asha", "Asha", 0),
        };
        Assert.Equal(expected, audit.Take(3).Select(a => (a.PackId, a.CheckCode, a.Field, a.OldValue, a.NewValue, a.User!, (int)(a.AtUtc - At).TotalMinutes)).ToArray());
        Assert.Equal(["Measured X", "Measured X", "Measured Y", "Measured Y", "Module X", "Module X", "Module Y", "Module Y", "Remarks", "Technician"], audit.Where(a => a.PackId == "BP-S2").Select(a => a.Field).Order(StringComparer.Ordinal).ToArray());
        Assert.All(audit.Where(a => a.PackId == "BP-S2"), a => Assert.Equal(("Ben", "ben", "10.0.0.9", (int?)stage.Number, At.AddMinutes(1)), (a.User, a.UserLogin, a.Client, a.StageNumber, a.AtUtc)));
        Assert.Equal([(null, "Remarks", null, "text only"), (null, "Technician", "Ben", "Asha")],
            audit.Where(a => a.AtUtc == At.AddMinutes(3)).Select(a => (a.CheckCode, a.Field, a.OldValue, a.NewValue)).OrderBy(a => a.Field).ToArray());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Two_first_saves_of_one_stage_on_different_modules_at_the_same_moment_both_keep_their_results(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        var stage = app.GetRequiredService<ProcessRoute>().Stages[0];
        for (var round = 0; round < 5; round++)
        {
            var packId = $"BP-C{round}";
            Assert.True((await recorder.CreatePackAsync(packId, null, null, Asha)).Succeeded);
            var results = await Task.WhenAll(
                Task.Run(() => recorder.SaveStageAsync(new StageSave(packId, stage.Number, stage.Checks.Select(c => new CheckInput(c.Code, ModuleX: QcResult.Ok, MeasuredX: TestChecks.InLimits(c))).ToList()), Asha)),
                Task.Run(() => recorder.SaveStageAsync(new StageSave(packId, stage.Number, stage.Checks.Select(c => new CheckInput(c.Code, ModuleY: QcResult.NotApplicable)).ToList()), Ben)));
            Assert.All(results, r => Assert.True(r.Succeeded, r.Message));

            await using var db = await app.OpenAsync();
            var record = await db.StageRecords.AsNoTracking().Include(s => s.Results).SingleAsync(s => s.Pack.PackId == packId);
            Assert.Equal((2, StageStatus.ReadyToComplete), (record.Version, record.Status));
            // The technician is whoever saved last, and the audit log names both: null -> first saver -> second saver.
            var technicians = await db.AuditLog.AsNoTracking().Where(a => a.PackId == packId && a.Field == "Technician").OrderBy(a => a.Id)
                .Select(a => new { a.OldValue, a.NewValue }).ToListAsync();
            Assert.Equal(2, technicians.Count);
            Assert.Equal((null, technicians[0].NewValue, record.Technician), (technicians[0].OldValue, technicians[1].OldValue, technicians[1].NewValue));
            Assert.Equal(["Asha", "Ben"], technicians.Select(t => t.NewValue!).Order(StringComparer.Ordinal));
            Assert.Equal(stage.Checks.Count, record.Results.Count);
            Assert.All(record.Results, r => Assert.Equal((QcResult.Ok, QcResult.NotApplicable), (r.ModuleX, r.ModuleY)));
            // One audit row per result, per in-limit value typed with OK, and per technician.
            Assert.Equal(stage.Checks.Count * 2 + stage.Checks.Count(c => c.IsMeasurable) + 2, await db.AuditLog.CountAsync(a => a.PackId == packId && a.Action == "Save"));
        }
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_text_is_stored_in_the_audit_row_as_in_the_stage_record()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        var stage = app.GetRequiredService<ProcessRoute>().Stages[0];
        Assert.True((await recorder.CreatePackAsync("BP-U1", null, null, Asha)).Succeeded);

        var saved = await recorder.SaveStageAsync(new StageSave("BP-U1", stage.Number, [], Remarks: "cell \ud800 swap"), Asha);

        Assert.True(saved.Succeeded, saved.Message);
        await using var db = await app.OpenAsync();
        var remarks = await db.StageRecords.AsNoTracking().Where(s => s.Pack.PackId == "BP-U1").Select(s => s.Remarks).SingleAsync();
        Assert.Equal("cell \ufffd swap", remarks);
        Assert.Equal(remarks, await db.AuditLog.AsNoTracking().Where(a => a.PackId == "BP-U1" && a.Field == "Remarks").Select(a => a.NewValue).SingleAsync());
    }
}
