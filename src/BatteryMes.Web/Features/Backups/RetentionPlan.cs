namespace BatteryMes.Web.Features.Backups;

/// <summary>How long each tier of the grandfather-father-son plan reaches back (from <see cref="BackupOptions"/>).</summary>
public sealed record RetentionSettings(TimeSpan RecentWindow, int RecentMaximum, TimeSpan HourlyFor, TimeSpan DailyFor, TimeSpan WeeklyFor)
{
    public static RetentionSettings From(BackupOptions options) => new(
        TimeSpan.FromHours(options.RecentHours), options.Keep,
        TimeSpan.FromDays(options.HourlyDays), TimeSpan.FromDays(options.DailyDays), TimeSpan.FromDays(7 * options.WeeklyWeeks));

    /// <summary>The most automatic snapshots the plan keeps once it has run for its whole span: the recent ones, one
    /// per hour, then one per day and one per week beyond the span of the finer tier, and the newest one. Used to
    /// show the disk the plan needs.</summary>
    public int MostKept
    {
        get
        {
            var hourly = (int)Math.Ceiling(HourlyFor.TotalHours);
            var daily = Math.Max(0, (int)Math.Ceiling(DailyFor.TotalDays) - (int)HourlyFor.TotalDays);
            var weekly = Math.Max(0, (int)Math.Ceiling(WeeklyFor.TotalDays / 7) - (int)(DailyFor.TotalDays / 7));
            return RecentMaximum + hourly + daily + weekly + 1;
        }
    }
}

/// <summary>What the plan needs to know of one automatic snapshot.</summary>
public sealed record RetainedSnapshot(string Name, DateTime CreatedUtc, bool Verified, bool Verifying)
{
    public static RetainedSnapshot From(BackupEntry entry) => new(entry.Name, entry.CreatedUtc, entry.Verified, entry.Verifying);
}

/// <summary>Why a snapshot stays.</summary>
public enum RetentionReason
{
    /// <summary>The newest verified snapshot: never removed.</summary>
    Newest,
    /// <summary>Still being verified: never removed while its check runs.</summary>
    Verifying,
    /// <summary>Younger than the recent window and among the newest <see cref="RetentionSettings.RecentMaximum"/>.</summary>
    Recent,
    /// <summary>The newest verified snapshot of its plant-local hour.</summary>
    Hourly,
    /// <summary>The newest verified snapshot of its plant-local day.</summary>
    Daily,
    /// <summary>The newest verified snapshot of its plant-local week (Monday to Sunday).</summary>
    Weekly,
    /// <summary>Nothing verified exists yet: nothing is removed.</summary>
    NothingVerified,
}

/// <summary>What the kept set lets a person restore to. Times are UTC; null when that tier holds nothing.</summary>
/// <param name="EverySaveSinceUtc">From here on, every snapshot is kept (each holds all saves before it).</param>
/// <param name="RecentCapped">True when the recent window held more than the most kept, so it reaches less far back.</param>
public sealed record RetentionCoverage(
    DateTime? EverySaveSinceUtc, bool RecentCapped, int RecentKept,
    DateTime? HourlySinceUtc, DateTime? DailySinceUtc, DateTime? WeeklySinceUtc, DateTime? OldestUtc)
{
    /// <summary>"every save of the last 2 hours, hourly since ..., daily since ..., weekly since ...", times
    /// formatted by the caller (plant local time).</summary>
    public string Describe(RetentionSettings settings, Func<DateTime, string> format)
    {
        var parts = new List<string>();
        if (EverySaveSinceUtc is { } every)
            parts.Add(RecentCapped
                ? $"every save since {format(every)} (the newest {RecentKept} snapshots)"
                : $"every save of the last {Hours(settings.RecentWindow)}");
        // A coarser tier is named only where it reaches further back than the finer ones (a young installation's
        // daily and weekly slots hold the same snapshots as its hourly ones).
        var reach = EverySaveSinceUtc;
        foreach (var (since, word) in new[] { (HourlySinceUtc, "hourly"), (DailySinceUtc, "daily"), (WeeklySinceUtc, "weekly") })
        {
            if (since is not { } s || (reach is { } r && s >= r)) continue;
            parts.Add($"{word} since {format(s)}");
            reach = s;
        }
        if (parts.Count == 0) return OldestUtc is { } oldest ? $"the newest snapshot ({format(oldest)})" : "no verified snapshot yet";
        return string.Join(", ", parts);
    }

    private static string Hours(TimeSpan span) => span.TotalHours == 1 ? "hour" : $"{span.TotalHours:0.#} hours";
}

/// <summary>The outcome of the plan for one listing of the snapshots.</summary>
public sealed record RetentionDecision(
    IReadOnlyDictionary<string, RetentionReason> Kept, IReadOnlyList<RetainedSnapshot> Removed, RetentionCoverage Coverage);

/// <summary>Retention by age, grandfather-father-son: every snapshot of the recent window (at most a number), then
/// the newest verified one of each hour, day and week for as long as the settings say. Pure: the snapshots, the
/// settings, the plant's time zone and the clock in; what to keep, what to remove and what the kept set covers out.</summary>
/// <remarks>Only verified snapshots stand for a slot, so a newer snapshot that failed its check (or is still being
/// checked) never pushes out the last good one of its hour, day or week. Snapshots that failed their check stay for
/// inspection while they are recent, and go once they are older than the recent window and a newer verified one exists.
/// Slots are plant-local hours, days and ISO weeks, so "yesterday's last backup" means the plant's yesterday.</remarks>
public sealed class RetentionPlan(RetentionSettings settings, TimeZoneInfo zone, TimeProvider time)
{
    public RetentionSettings Settings => settings;

    public RetentionDecision Decide(IEnumerable<RetainedSnapshot> snapshots)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var all = snapshots.OrderByDescending(s => s.CreatedUtc).ThenByDescending(s => s.Name, StringComparer.Ordinal).ToList();
        var kept = new Dictionary<string, RetentionReason>(StringComparer.Ordinal);
        var newestVerified = all.FirstOrDefault(s => s.Verified);
        if (newestVerified is null)
        {
            foreach (var s in all) kept[s.Name] = RetentionReason.NothingVerified;
            return new RetentionDecision(kept, [], Cover(all, [], [], [], [], now));
        }

        void Keep(RetainedSnapshot s, RetentionReason reason) => kept.TryAdd(s.Name, reason);

        Keep(newestVerified, RetentionReason.Newest);
        foreach (var s in all.Where(s => s.Verifying)) Keep(s, RetentionReason.Verifying);

        var recentStart = now - settings.RecentWindow;
        var recentAll = all.Where(s => s.CreatedUtc >= recentStart && !s.Verifying).ToList();
        var recent = recentAll.Take(settings.RecentMaximum).ToList();
        foreach (var s in recent) Keep(s, RetentionReason.Recent);

        var verified = all.Where(s => s.Verified).ToList();
        var hourly = SlotHolders(verified, now - settings.HourlyFor, HourOf);
        var daily = SlotHolders(verified, now - settings.DailyFor, DayOf);
        var weekly = SlotHolders(verified, now - settings.WeeklyFor, WeekOf);
        foreach (var s in hourly) Keep(s, RetentionReason.Hourly);
        foreach (var s in daily) Keep(s, RetentionReason.Daily);
        foreach (var s in weekly) Keep(s, RetentionReason.Weekly);

        // Removed: everything not kept; by construction each is older than the newest verified snapshot or failed its check.
        var removed = all.Where(s => !kept.ContainsKey(s.Name)).ToList();
        var coverage = Cover(all.Where(s => kept.ContainsKey(s.Name)).ToList(), recent, hourly, daily, weekly, now,
            capped: recentAll.Count > recent.Count);
        return new RetentionDecision(kept, removed, coverage);
    }

    private RetentionCoverage Cover(IReadOnlyList<RetainedSnapshot> keptSnapshots, IReadOnlyList<RetainedSnapshot> recent,
        IReadOnlyList<RetainedSnapshot> hourly, IReadOnlyList<RetainedSnapshot> daily, IReadOnlyList<RetainedSnapshot> weekly,
        DateTime now, bool capped = false)
    {
        var oldest = keptSnapshots.Where(s => s.Verified).Select(s => (DateTime?)s.CreatedUtc).Min();
        DateTime? every = null;
        if (settings.RecentWindow > TimeSpan.Zero && keptSnapshots.Any(s => s.Verified))
            every = capped ? recent.Where(s => s.Verified).Select(s => s.CreatedUtc).DefaultIfEmpty(now).Min() : now - settings.RecentWindow;
        return new RetentionCoverage(every, capped, recent.Count,
            Oldest(hourly), Oldest(daily), Oldest(weekly), oldest);
    }

    private static DateTime? Oldest(IReadOnlyList<RetainedSnapshot> holders) => holders.Count > 0 ? holders.Min(s => s.CreatedUtc) : null;

    /// <summary>The newest verified snapshot of each slot that starts after <paramref name="since"/> or holds a
    /// snapshot after it.</summary>
    private static List<RetainedSnapshot> SlotHolders(IReadOnlyList<RetainedSnapshot> verifiedNewestFirst, DateTime since, Func<DateTime, DateTime> slotOf)
    {
        var holders = new List<RetainedSnapshot>();
        var seen = new HashSet<DateTime>();
        foreach (var s in verifiedNewestFirst)
        {
            if (s.CreatedUtc < since) break;
            if (seen.Add(slotOf(s.CreatedUtc))) holders.Add(s);
        }
        return holders;
    }

    private DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);

    /// <summary>The plant-local hour, as the UTC instant it starts (zones with half-hour offsets cut hours at :30 UTC);
    /// the hour repeated when the clocks go back stays two slots, as it holds two hours of work.</summary>
    private DateTime HourOf(DateTime utc)
    {
        var offset = zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        var local = utc + offset;
        return new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0, DateTimeKind.Utc) - offset;
    }

    private DateTime DayOf(DateTime utc) => Local(utc).Date;

    private DateTime WeekOf(DateTime utc)
    {
        var day = Local(utc).Date;
        var sinceMonday = ((int)day.DayOfWeek + 6) % 7;
        return day.AddDays(-sinceMonday);
    }
}
