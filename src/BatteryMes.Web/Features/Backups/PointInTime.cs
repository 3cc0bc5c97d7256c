using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The saves a restore to a snapshot would undo, counted from the audit log: one per save, completion,
/// reopening or new pack (the audit log writes one row per changed field; rows of one save share their time, pack,
/// stage and action).</summary>
public sealed record SavesLost(int Saves, int Packs, IReadOnlyDictionary<string, int> ByAction, DateTime? FirstUtc, DateTime? LastUtc)
{
    public static readonly SavesLost None = new(0, 0, new Dictionary<string, int>(), null, null);
}

/// <summary>The snapshot a restore to <see cref="AtUtc"/> uses (the newest verified one at or before it; null when
/// there is none) and what would be lost.</summary>
public sealed record PointInTimeChoice(DateTime AtUtc, BackupEntry? Snapshot, SavesLost Lost, string Message);

/// <summary>Restore to a point in time: picks the snapshot and counts what a restore to it would undo. The restore
/// itself is the ordinary restore of that snapshot by name.</summary>
public sealed class PointInTime(BackupCatalog catalog, IDbContextFactory<MesDbContext> contexts)
{
    /// <summary>The audit actions that are saves of shop-floor data.</summary>
    public static readonly string[] SaveActions = ["Save", "Complete", "Reopen", "Create"];

    /// <summary>The newest verified snapshot (automatic or manual) taken at or before <paramref name="atUtc"/>.</summary>
    public BackupEntry? SnapshotAt(DateTime atUtc) =>
        catalog.List().FirstOrDefault(e => e.Verified && e.CreatedUtc <= atUtc);

    public async Task<PointInTimeChoice> ChooseAsync(DateTime atUtc, CancellationToken ct = default)
    {
        atUtc = DateTime.SpecifyKind(atUtc, DateTimeKind.Utc);
        if (SnapshotAt(atUtc) is not { } snapshot)
        {
            var oldest = catalog.List().LastOrDefault(e => e.Verified);
            return new PointInTimeChoice(atUtc, null, SavesLost.None, oldest is null
                ? "There is no verified backup yet."
                : $"There is no verified backup from that time or before it: the oldest kept one is {oldest.Name}.");
        }
        var lost = await SavesAfterAsync(snapshot.CreatedUtc, ct);
        return new PointInTimeChoice(atUtc, snapshot, lost, lost.Saves == 0
            ? $"Backup {snapshot.Name} holds every save recorded so far: nothing would be lost."
            : $"Backup {snapshot.Name} would be restored; {lost.Saves} save(s) on {lost.Packs} pack(s) made after it would be undone " +
              "(they stay in the safety copy taken before the restore).");
    }

    /// <summary>The snapshot's time is taken as its copy starts, so a save committed during the copy is counted as
    /// lost although the copy may hold it: the count errs on the side of more.</summary>
    public async Task<SavesLost> SavesAfterAsync(DateTime snapshotUtc, CancellationToken ct = default)
    {
        var after = DateTime.SpecifyKind(snapshotUtc, DateTimeKind.Utc);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var saves = db.AuditLog.AsNoTracking()
            .Where(a => a.AtUtc > after && SaveActions.Contains(a.Action))
            .Select(a => new { a.AtUtc, a.PackId, a.StageNumber, a.Action })
            .Distinct();
        var byAction = await saves.GroupBy(s => s.Action).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var total = byAction.Sum(g => g.Count);
        if (total == 0) return SavesLost.None;
        var packs = await saves.Select(s => s.PackId).Distinct().CountAsync(ct);
        var first = await saves.MinAsync(s => s.AtUtc, ct);
        var last = await saves.MaxAsync(s => s.AtUtc, ct);
        return new SavesLost(total, packs, byAction.ToDictionary(g => g.Key, g => g.Count), first, last);
    }
}
