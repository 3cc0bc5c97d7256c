using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Genealogy;

/// <summary>The outcome of putting packs on hold or releasing one.</summary>
public sealed record HoldResult(bool Succeeded, string Message, IReadOnlyList<string> PackIds);

/// <summary>Puts packs on hold (a recall of a cell lot, a supervisor's decision) and releases them. A pack on hold
/// keeps its stage statuses and may still be recorded, but no stage of it is signed off until the hold is released.</summary>
public sealed class PackHolds(IDbContextFactory<MesDbContext> contexts, TraceQueries trace, PackChangeFeed feed, TimeProvider time, ILogger<PackHolds> log)
{
    public const string AuditAction = "Hold";

    /// <summary>Every pack holding a cell of the lot goes on hold; packs already on hold keep their first reason.</summary>
    public async Task<HoldResult> HoldLotAsync(string lot, string? reason, Actor actor, CancellationToken ct = default)
    {
        if (ComponentSerial.Validate(lot, "lot") is { } error) return new(false, error, []);
        var packIds = new List<string>();
        await foreach (var p in trace.AllPacksOfLotAsync(lot, ct)) packIds.Add(p.Pack.PackId);
        if (packIds.Count == 0) return new(false, $"No pack holds a cell of lot {ComponentSerial.Canonical(lot)}.", []);
        return await HoldAsync(packIds, reason, actor, ct);
    }

    public async Task<HoldResult> HoldAsync(IReadOnlyCollection<string> packIds, string? reason, Actor actor, CancellationToken ct = default)
    {
        if (!actor.Allows(Capability.Supervise)) return new(false, $"This needs the {RoleRules.Describe(Capability.Supervise)} role.", []);
        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason)) return new(false, "Give the reason for the hold.", []);
        if (reason.Length > ComponentLinker.MaxReasonLength) return new(false, $"The reason is {reason.Length} characters long; the limit is {ComponentLinker.MaxReasonLength}.", []);
        var ids = packIds.Select(PackIdentifier.Canonical).Distinct().ToList();
        var now = time.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        var held = new List<string>();
        await using var db = await contexts.CreateDbContextAsync(ct);
        // In slices, so that a recall of thousands of packs never sends one statement with thousands of parameters.
        foreach (var slice in ids.Chunk(500))
        {
            var packs = await db.Packs.Where(p => slice.Contains(p.PackId) && p.HoldReason == null).ToListAsync(ct);
            foreach (var pack in packs)
            {
                pack.HoldReason = reason;
                pack.HeldUtc = now;
                pack.HeldBy = actor.User;
                db.AuditLog.Add(Audit(now, pack.PackId, "Hold", null, reason, actor));
                held.Add(pack.PackId);
            }
        }
        await db.SaveChangesAsync(ct);
        log.LogInformation("{Count} packs put on hold by {User}: {Reason}", held.Count, actor.User, reason);
        foreach (var packId in held) await feed.PublishAsync(new PackChange(PackChangeKind.Saved, packId, null, now));
        var already = ids.Count - held.Count;
        return new(true, $"{held.Count} pack{(held.Count == 1 ? "" : "s")} put on hold" + (already > 0 ? $"; {already} already on hold or not registered." : "."), held);
    }

    public async Task<HoldResult> ReleaseAsync(string packId, string? reason, Actor actor, CancellationToken ct = default)
    {
        if (!actor.Allows(Capability.Supervise)) return new(false, $"This needs the {RoleRules.Describe(Capability.Supervise)} role.", []);
        reason = reason?.Trim();
        if (reason?.Length > ComponentLinker.MaxReasonLength) return new(false, $"The reason is {reason.Length} characters long; the limit is {ComponentLinker.MaxReasonLength}.", []);
        packId = PackIdentifier.Canonical(packId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.FirstOrDefaultAsync(p => p.PackId == packId, ct);
        if (pack is null) return new(false, $"Pack {EchoedInput.Display(packId, PackIdentifier.MaxLength)} is not registered.", []);
        if (pack.HoldReason is null) return new(true, $"Pack {packId} is not on hold.", []);
        var now = time.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        db.AuditLog.Add(Audit(now, packId, "Release", pack.HoldReason, null, actor, string.IsNullOrEmpty(reason) ? null : reason));
        pack.HoldReason = null;
        pack.HeldUtc = null;
        pack.HeldBy = null;
        await db.SaveChangesAsync(ct);
        log.LogInformation("Hold of pack {PackId} released by {User}", packId, actor.User);
        await feed.PublishAsync(new PackChange(PackChangeKind.Saved, packId, null, now));
        return new(true, $"Hold of pack {packId} released.", [packId]);
    }

    /// <summary>Packs on hold, newest hold first (the filtered index IX_Packs_OnHold holds only these).</summary>
    public async Task<IReadOnlyList<PackSummary>> OnHoldAsync(int max = 100, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var packs = await db.Packs.AsNoTracking().Where(p => p.HoldReason != null).OrderByDescending(p => p.HeldUtc).Take(max).ToListAsync(ct);
        return packs.Select(trace.Summary).ToList();
    }

    private static AuditEntry Audit(DateTime at, string packId, string what, string? oldValue, string? newValue, Actor actor, string? reason = null) =>
        actor.Audit(at, packId, what == "Hold" ? AuditAction : "Release", "Hold", oldValue: oldValue, newValue: newValue, reason: reason ?? newValue);
}
