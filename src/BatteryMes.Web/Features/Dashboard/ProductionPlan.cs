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
