using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Dashboard.DashboardTestData;

namespace BatteryMes.Tests.Dashboard;

public class ProductionPlanTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_keep_the_daily_target_in_the_database_and_tell_open_screens(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var monday = new DateOnly(2026, 3, 2);
        await using (var app = await DashboardQueriesTests.StartAsync(database))
        {
            var changes = new List<PackChange>();
            using var _ = app.GetRequiredService<PackChangeFeed>().Subscribe(c => { lock (changes) changes.Add(c); return Task.CompletedTask; });
            var plan = app.GetRequiredService<ProductionPlan>();

            var saved = await plan.SetTargetAsync(monday, 120, "Meera");

            Assert.True(saved.Succeeded, saved.Message);
            Assert.Contains(changes, c => c.Kind == PackChangeKind.PlanChanged);
        }

        // A restart (or another screen) reads the same target back.
        await using var restarted = await DashboardQueriesTests.StartAsync(database);
        var reloaded = await restarted.GetRequiredService<ProductionPlan>().GetTargetAsync(monday.AddDays(3));
        Assert.Equal(new TargetEntry(monday, 120, "Meera", reloaded!.SetUtc), reloaded);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_use_the_latest_target_in_force_on_each_day_and_replace_one_set_twice_for_a_date(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await DashboardQueriesTests.StartAsync(database);
        var plan = app.GetRequiredService<ProductionPlan>();
        var queries = app.GetRequiredService<DashboardQueries>();
        var monday = new DateOnly(2026, 3, 2);
        await plan.SetTargetAsync(monday.AddDays(-10), 80, null);
        await plan.SetTargetAsync(monday.AddDays(3), 100, null);
        await plan.SetTargetAsync(monday.AddDays(3), 150, "Meera");      // same date again: replaces 100

        var week = await queries.GetPlanVsActualAsync(monday, monday.AddDays(6));

        Assert.Equal([80, 80, 80, 150, 150, 150, 150], week.Days.Select(d => d.Target));
        Assert.Equal(3 * 80 + 4 * 150, week.TotalTarget);
        Assert.Equal([80, 160, 240, 390, 540, 690, 840], week.Days.Select(d => d.CumulativeTarget));
        Assert.Equal(2, (await plan.GetHistoryAsync()).Count);
        Assert.Null(await plan.GetTargetAsync(monday.AddDays(-11)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(ProductionPlan.MaxPacksPerDay + 1)]
    public async Task Should_refuse_a_target_out_of_range_with_a_message_and_keep_the_stored_one(int packsPerDay)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await DashboardQueriesTests.StartAsync(database);
        var plan = app.GetRequiredService<ProductionPlan>();
        var day = new DateOnly(2026, 3, 2);
        await plan.SetTargetAsync(day, 90, null);

        var refused = await plan.SetTargetAsync(day, packsPerDay, null);

        Assert.False(refused.Succeeded);
        Assert.Contains("whole number from 0", refused.Message);
        Assert.Equal(90, (await plan.GetTargetAsync(day))!.PacksPerDay);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_count_packs_reaching_ready_for_dispatch_on_the_plant_local_day(DatabaseProvider provider)
    {
        // 20:00 UTC on 2 March is 01:30 on 3 March in the plant (Asia/Kolkata, UTC+5:30).
        var time = new ManualClock(new DateTime(2026, 3, 2, 6, 0, 0, DateTimeKind.Utc));
        await using var database = TestDatabase.Create(provider);
        await using var app = await DashboardQueriesTests.StartAsync(database, time);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        await FinishPackAsync(recorder, route, "BP-MON");
        time.UtcNow = new DateTime(2026, 3, 2, 20, 0, 0, DateTimeKind.Utc);
        await FinishPackAsync(recorder, route, "BP-TUE-EARLY");
        await FinishPackAsync(recorder, route, "BP-TUE-EARLY-2");
        await CreateAsync(recorder, "BP-UNFINISHED");
        foreach (var stage in route.Stages.SkipLast(1)) await CompleteStageAsync(recorder, route, "BP-UNFINISHED", stage.Number);
        await app.GetRequiredService<ProductionPlan>().SetTargetAsync(new DateOnly(2026, 3, 1), 2, null);

        var week = await app.GetRequiredService<DashboardQueries>().GetPlanVsActualAsync(DashboardPeriod.Week);

        Assert.Equal((new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 8)), (week.From, week.To));
        Assert.Equal([1, 2, 0, 0, 0, 0, 0], week.Days.Select(d => d.Actual));
        Assert.Equal([1, 3, 3, 3, 3, 3, 3], week.Days.Select(d => d.CumulativeActual));
        Assert.Equal(2, week.TargetToday);
    }
}
