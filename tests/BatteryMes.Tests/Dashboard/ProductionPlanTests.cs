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

public class PlantCalendarTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task This_month_is_compared_to_date_and_counts_the_target_on_working_days_only(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        // Wednesday 18 March 2026, noon in the plant (Asia/Kolkata, UTC+5:30).
        var wednesday = new DateOnly(2026, 3, 18);
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 18, 6, 30, 0, TimeSpan.Zero));
        await using var app = await database.StartAsync(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new ServerOptions { TimeZone = DashboardQueriesTests.PlantZone }));
            services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new DashboardOptions { WorkingDays = "Mon,Tue,Wed,Thu,Fri" }));
            services.AddSingleton<DashboardQueries>();
            services.AddSingleton<ProductionPlan>();
        });
        await app.GetRequiredService<ProductionPlan>().SetTargetAsync(new DateOnly(2026, 2, 1), 20, "Meera");
        var queries = app.GetRequiredService<DashboardQueries>();

        var month = await queries.GetPlanVsActualAsync(DashboardPeriod.Month);

        Assert.Equal((new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31), wednesday), (month.From, month.To, month.Today));
        Assert.Equal(0, month.Days.Single(d => d.Day == new DateOnly(2026, 3, 14)).Target);   // a Saturday
        Assert.Equal(0, month.Days.Single(d => d.Day == new DateOnly(2026, 3, 15)).Target);   // a Sunday
        Assert.Equal(20, month.Days.Single(d => d.Day == new DateOnly(2026, 3, 16)).Target);  // a Monday
        // 13 working days from 2 to 18 March; 22 in the whole month.
        Assert.Equal(13 * 20, month.TargetToDate);
        Assert.Equal(22 * 20, month.TotalTarget);
        Assert.Equal(20, month.TargetToday);
        Assert.True(month.IsCurrent);

        clock.Now = new DateTimeOffset(2026, 3, 21, 6, 30, 0, TimeSpan.Zero);   // Saturday
        var week = await queries.GetPlanVsActualAsync(DashboardPeriod.Week);
        Assert.Equal(0, week.TargetToday);
        Assert.Equal(5 * 20, week.TargetToDate);
    }

    [Theory]
    [InlineData("Mon,Tue,Wed,Thu,Fri", "Mon,Tue,Wed,Thu,Fri")]
    [InlineData(" sat , mon ;Sunday", "Sun,Mon,Sat")]
    [InlineData("Monday Tuesday", "Mon,Tue")]
    public void Working_days_are_read_from_short_or_full_day_names_in_any_case(string text, string expected)
    {
        Assert.Null(PlantCalendar.TryParse(text, out var calendar));
        Assert.Equal(expected, calendar.ToString());
    }

    [Theory]
    [InlineData("", "lists no day")]
    [InlineData("Mon,Funday", "'Funday', which is not a day")]
    [InlineData("Mo", "'Mo', which is not a day")]
    public void Working_days_that_name_no_day_are_refused_with_the_word_that_is_wrong(string text, string expected)
    {
        Assert.Contains(expected, PlantCalendar.TryParse(text, out _));
    }
}
