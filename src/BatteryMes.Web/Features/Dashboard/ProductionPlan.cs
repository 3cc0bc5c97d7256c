using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>The daily production target, stored in the database so that every screen shares it and a refresh keeps it.
/// A target is in force from its plant-local date until the next entry; setting one for a date that already has
/// an entry replaces that entry.</summary>
public sealed class ProductionPlan(IDbContextFactory<MesDbContext> contexts, PackChangeFeed feed, PlantClock clock, ILogger<ProductionPlan> log)
{
    public const int MaxPacksPerDay = 100_000;
    public const int MaxNameLength = 100;

    /// <summary>The target in force on a plant-local day (0 when none has been set yet).</summary>
    public async Task<TargetEntry?> GetTargetAsync(DateOnly day, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var target = await db.ProductionTargets.AsNoTracking()
            .Where(t => t.EffectiveFrom <= day).OrderByDescending(t => t.EffectiveFrom).FirstOrDefaultAsync(ct);
        return target is null ? null : new TargetEntry(target.EffectiveFrom, target.PacksPerDay, target.SetBy, target.SetUtc);
    }

    /// <summary>Every stored target, newest first (the history a supervisor sees).</summary>
    public async Task<IReadOnlyList<TargetEntry>> GetHistoryAsync(int take = 20, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ProductionTargets.AsNoTracking().OrderByDescending(t => t.EffectiveFrom).Take(take)
            .Select(t => new TargetEntry(t.EffectiveFrom, t.PacksPerDay, t.SetBy, t.SetUtc)).ToListAsync(ct);
    }

    public async Task<TargetResult> SetTargetAsync(DateOnly effectiveFrom, int packsPerDay, string? setBy, CancellationToken ct = default)
    {
        if (packsPerDay < 0 || packsPerDay > MaxPacksPerDay)
            return new TargetResult(false, $"The daily target must be a whole number from 0 to {MaxPacksPerDay:N0} packs (found {packsPerDay}).");
        var who = string.IsNullOrWhiteSpace(setBy) ? null : setBy.Trim();
        if (who is { Length: > MaxNameLength }) return new TargetResult(false, $"The name is longer than {MaxNameLength} characters.");

        var now = clock.UtcNow;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.ProductionTargets.FirstOrDefaultAsync(t => t.EffectiveFrom == effectiveFrom, ct);
        if (existing is null)
            db.ProductionTargets.Add(new ProductionTarget { EffectiveFrom = effectiveFrom, PacksPerDay = packsPerDay, SetBy = who, SetUtc = now });
        else
        {
            existing.PacksPerDay = packsPerDay;
            existing.SetBy = who;
            existing.SetUtc = now;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (existing is null)
        {
            // Two supervisors set a target for the same date at once: the unique index kept the other one; apply ours over it.
            db.ChangeTracker.Clear();
            var other = await db.ProductionTargets.FirstAsync(t => t.EffectiveFrom == effectiveFrom, ct);
            other.PacksPerDay = packsPerDay;
            other.SetBy = who;
            other.SetUtc = now;
            await db.SaveChangesAsync(ct);
        }
        log.LogInformation("Daily target set to {PacksPerDay} packs from {EffectiveFrom} by {User}", packsPerDay, effectiveFrom, who);
        await feed.PublishAsync(new PackChange(PackChangeKind.PlanChanged, null, null, now));
        return new TargetResult(true, $"Daily target of {packsPerDay} packs saved, in force from {effectiveFrom:yyyy-MM-dd}.");
    }
}

/// <summary>The plant's working days (BatteryMes:Dashboard:WorkingDays): the daily target applies on these days only,
/// so a week's or month's target counts the days the line runs.</summary>
public sealed class PlantCalendar
{
    private static readonly string[] Names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private readonly HashSet<DayOfWeek> _days;

    private PlantCalendar(HashSet<DayOfWeek> days) => _days = days;

    public static PlantCalendar EveryDay { get; } = new([.. Enum.GetValues<DayOfWeek>()]);

    public IReadOnlySet<DayOfWeek> Days => _days;

    public bool IsWorkingDay(DateOnly day) => _days.Contains(day.DayOfWeek);

    /// <summary>The target that counts on <paramref name="day"/>: the target in force on a working day, 0 on a day off.</summary>
    public int TargetOn(DateOnly day, int targetInForce) => IsWorkingDay(day) ? targetInForce : 0;

    /// <summary>Reads "Mon,Tue,Wed" (three-letter English names or full names, any case, separated by commas or spaces).
    /// Returns null when the text is good, else what is wrong with it.</summary>
    public static string? TryParse(string? text, out PlantCalendar calendar)
    {
        calendar = EveryDay;
        var parts = (text ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) return "lists no day; give the working days, e.g. \"Mon,Tue,Wed,Thu,Fri\".";
        var days = new HashSet<DayOfWeek>();
        foreach (var part in parts)
        {
            // Enum.GetNames lists Sunday..Saturday in value order: "Mon", "mon" and "Monday" all name Monday.
            var index = Array.FindIndex(Enum.GetNames<DayOfWeek>(), n => part.Length >= 3 && n.StartsWith(part, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
                return $"has '{Domain.EchoedInput.Display(part, 20)}', which is not a day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun (e.g. \"Mon,Tue,Wed,Thu,Fri\").";
            days.Add((DayOfWeek)index);
        }
        calendar = new PlantCalendar(days);
        return null;
    }

    public static PlantCalendar Parse(string? text) =>
        TryParse(text, out var calendar) is { } error ? throw new FormatException($"Working days {error}") : calendar;

    public override string ToString() => string.Join(",", Enum.GetValues<DayOfWeek>().Where(_days.Contains).Select(d => Names[(int)d]));
}
