using BatteryMes.Tests.Dashboard;
using BatteryMes.Web.Features.Backups;

namespace BatteryMes.Tests.Backups;

/// <summary>The grandfather-father-son plan on its own, with a clock the test moves: six months of snapshots, the
/// plan applied after each one as the app applies it after each verified snapshot.</summary>
public class RetentionPlanTests
{
    // A Monday, so plant weeks (Monday to Sunday) start at whole multiples of 7 days from here.
    private static readonly DateTime Start = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
    private static readonly RetentionSettings Defaults = RetentionSettings.From(new BackupOptions());

    [Fact]
    public void Six_months_of_snapshots_every_ten_minutes_keep_every_one_of_the_last_2_hours_then_each_hour_day_and_week_and_nothing_older()
    {
        var clock = new ManualClock(Start);
        var plan = new RetentionPlan(Defaults, TimeZoneInfo.Utc, clock);
        var kept = new List<RetainedSnapshot>();
        var end = Start.AddDays(26 * 7);
        RetentionDecision? last = null;
        for (var at = Start; at <= end; at = at.AddMinutes(10))
        {
            clock.UtcNow = at;
            kept.Add(Snapshot(at));
            last = plan.Decide(kept);
            kept.RemoveAll(s => last.Removed.Contains(s));
        }
        var now = clock.UtcNow;
        var times = kept.Select(s => s.CreatedUtc).ToHashSet();

        // Every snapshot of the last two hours.
        for (var at = now; at >= now.AddHours(-2); at = at.AddMinutes(-10)) Assert.Contains(at, times);
        // The last one of each hour of the last two days, and only that one in hours before the recent window.
        for (var hour = Hour(now).AddHours(-1); hour > now.AddDays(-2); hour = hour.AddHours(-1))
        {
            Assert.Contains(hour.AddMinutes(50), times);
            if (hour < now.AddHours(-3)) Assert.Single(times, t => Hour(t) == hour);
        }
        // The last one of each day of the last 30 days, and of each week (Sunday 23:50) of the last 26 weeks.
        for (var day = now.Date.AddDays(-1); day > now.AddDays(-30); day = day.AddDays(-1)) Assert.Contains(day.AddHours(23).AddMinutes(50), times);
        for (var sunday = end.Date.AddDays(-1); sunday > now.AddDays(-26 * 7); sunday = sunday.AddDays(-7))
            Assert.Contains(sunday.AddHours(23).AddMinutes(50), times);
        // Between days 3 and 30 one snapshot per day; before that one per week; nothing older than 26 weeks.
        Assert.All(times.Where(t => t < now.AddDays(-3) && t > now.AddDays(-29)).GroupBy(t => t.Date), day => Assert.Single(day));
        Assert.All(times.Where(t => t < now.AddDays(-31)).GroupBy(t => t.Date), day => Assert.Equal(DayOfWeek.Sunday, day.Key.DayOfWeek));
        Assert.DoesNotContain(times, t => t < now.AddDays(-26 * 7));
        Assert.InRange(kept.Count, 12 + 48 + 27 + 20, Defaults.MostKept);

        var coverage = last!.Coverage;
        Assert.False(coverage.RecentCapped);
        Assert.Equal(now.AddHours(-2), coverage.EverySaveSinceUtc);
        Assert.Equal(now.AddDays(-2).AddMinutes(50), coverage.HourlySinceUtc);
        Assert.Equal(now.Date.AddDays(-30).AddHours(23).AddMinutes(50), coverage.DailySinceUtc);
        Assert.Equal(end.Date.AddDays(-1 - 25 * 7).AddHours(23).AddMinutes(50), coverage.WeeklySinceUtc);
        Assert.Equal(
            $"every save of the last 2 hours, hourly since {coverage.HourlySinceUtc:yyyy-MM-dd HH:mm}, daily since {coverage.DailySinceUtc:yyyy-MM-dd HH:mm}, " +
            $"weekly since {coverage.WeeklySinceUtc:yyyy-MM-dd HH:mm}",
            coverage.Describe(Defaults, t => t.ToString("yyyy-MM-dd HH:mm")));
    }

    [Fact]
    public void On_a_busy_line_the_recent_window_keeps_at_most_Keep_snapshots_and_says_how_far_back_they_reach_while_each_hour_keeps_its_last()
    {
        var clock = new ManualClock(Start);
        var plan = new RetentionPlan(Defaults with { RecentMaximum = 30 }, TimeZoneInfo.Utc, clock);
        var kept = new List<RetainedSnapshot>();
        for (var at = Start; at <= Start.AddHours(3); at = at.AddSeconds(5))
        {
            clock.UtcNow = at;
            kept.Add(Snapshot(at));
            kept.RemoveAll(s => plan.Decide(kept).Removed.Contains(s));
        }

        var decision = plan.Decide(kept);

        var recent = kept.Where(s => decision.Kept[s.Name] == RetentionReason.Recent || decision.Kept[s.Name] == RetentionReason.Newest).ToList();
        Assert.Equal(30, recent.Count);
        Assert.Contains(kept, s => s.CreatedUtc == Start.AddHours(1).AddSeconds(-5));
        Assert.Contains(kept, s => s.CreatedUtc == Start.AddHours(2).AddSeconds(-5));
        Assert.Equal(32, kept.Count);
        Assert.True(decision.Coverage.RecentCapped);
        Assert.Equal(clock.UtcNow.AddSeconds(-29 * 5), decision.Coverage.EverySaveSinceUtc);
        Assert.StartsWith($"every save since {clock.UtcNow.AddSeconds(-145):HH:mm:ss} (the newest 30 snapshots), hourly since",
            decision.Coverage.Describe(plan.Settings, t => t.ToString("HH:mm:ss")));
    }

    [Fact]
    public void A_newer_snapshot_that_failed_its_check_never_replaces_the_verified_one_of_its_hour_and_goes_once_it_is_old()
    {
        var clock = new ManualClock(Start.AddHours(1).AddMinutes(55));
        var plan = new RetentionPlan(Defaults with { RecentWindow = TimeSpan.FromMinutes(30) }, TimeZoneInfo.Utc, clock);
        var good = Snapshot(Start.AddMinutes(10));
        var failed = Snapshot(Start.AddMinutes(50), verified: false);
        var newest = Snapshot(Start.AddHours(1).AddMinutes(50));

        var decision = plan.Decide([good, failed, newest]);

        Assert.Equal(RetentionReason.Hourly, decision.Kept[good.Name]);
        Assert.Equal([failed], decision.Removed);
    }

    [Fact]
    public void The_newest_verified_snapshot_and_one_still_being_checked_are_never_removed_even_far_outside_every_slot()
    {
        var clock = new ManualClock(Start.AddYears(2));
        var plan = new RetentionPlan(Defaults, TimeZoneInfo.Utc, clock);
        var onlyGood = Snapshot(Start);
        var failedLater = Enumerable.Range(1, 5).Select(i => Snapshot(Start.AddDays(i), verified: false)).ToList();
        var checking = Snapshot(Start.AddYears(2).AddSeconds(-1), verified: false, verifying: true);

        var decision = plan.Decide([onlyGood, .. failedLater, checking]);

        Assert.Equal(RetentionReason.Newest, decision.Kept[onlyGood.Name]);
        Assert.Equal(RetentionReason.Verifying, decision.Kept[checking.Name]);
        Assert.Equal(failedLater.OrderByDescending(s => s.CreatedUtc), decision.Removed);
    }

    [Fact]
    public void Without_any_verified_snapshot_nothing_is_removed()
    {
        var plan = new RetentionPlan(Defaults, TimeZoneInfo.Utc, new ManualClock(Start.AddYears(1)));

        var decision = plan.Decide([Snapshot(Start, verified: false), Snapshot(Start.AddDays(1), verified: false)]);

        Assert.Empty(decision.Removed);
        Assert.Equal("no verified snapshot yet", decision.Coverage.Describe(Defaults, t => t.ToString("O")));
    }

    [Fact]
    public void Days_and_weeks_are_the_plants_local_ones()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var clock = new ManualClock(Start.AddDays(20));
        var plan = new RetentionPlan(Defaults with { RecentWindow = TimeSpan.Zero, HourlyFor = TimeSpan.Zero }, berlin, clock);
        // 22:30 and 23:30 UTC on Saturday 10 January are 23:30 on the 10th and 00:30 on Sunday the 11th in Berlin.
        var saturdayLate = Snapshot(new DateTime(2026, 1, 10, 22, 30, 0, DateTimeKind.Utc));
        var sundayEarly = Snapshot(new DateTime(2026, 1, 10, 23, 30, 0, DateTimeKind.Utc));
        // 23:30 UTC on Sunday 11 January is already Monday 12 January in Berlin: a new week.
        var mondayEarly = Snapshot(new DateTime(2026, 1, 11, 23, 30, 0, DateTimeKind.Utc));
        var newest = Snapshot(Start.AddDays(20).AddMinutes(-1));

        var decision = plan.Decide([saturdayLate, sundayEarly, mondayEarly, newest]);

        Assert.Equal(RetentionReason.Daily, decision.Kept[saturdayLate.Name]);
        Assert.Equal(RetentionReason.Daily, decision.Kept[sundayEarly.Name]);
        Assert.Equal(RetentionReason.Daily, decision.Kept[mondayEarly.Name]);
        Assert.Empty(decision.Removed);
        var weekly = new RetentionPlan(Defaults with { RecentWindow = TimeSpan.Zero, HourlyFor = TimeSpan.Zero, DailyFor = TimeSpan.Zero }, berlin, clock)
            .Decide([saturdayLate, sundayEarly, mondayEarly, newest]);
        Assert.Equal([saturdayLate], weekly.Removed);
    }

    [Fact]
    public void The_disk_the_plan_needs_counts_each_slot_once()
    {
        // 30 recent + 48 hourly + 28 more days + 22 more weeks + the newest.
        Assert.Equal(30 + 48 + 28 + 22 + 1, Defaults.MostKept);
    }

    private static RetainedSnapshot Snapshot(DateTime utc, bool verified = true, bool verifying = false) =>
        new($"battery_mes_{utc:yyyyMMdd'T'HHmmssfff'Z'}_saved.db", utc, verified, verifying);

    private static DateTime Hour(DateTime utc) => new(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
}
