using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Data;

/// <summary>Packs registered before IDs were compared without regard to case whose IDs differ only in case
/// ("bp-2026-0010" beside "BP-2026-0010"). They are never merged silently: the log and the About page list them, and
/// an admin renames one (its history and labels follow it).</summary>
public sealed class PackIdCaseConflicts(IDbContextFactory<MesDbContext> contexts, PackChangeFeed feed, TimeProvider time,
    ILogger<PackIdCaseConflicts> log) : IHostedService
{
    /// <summary>Each group: the IDs as stored, oldest registration first.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var keys = await db.Packs.GroupBy(p => p.PackId.ToUpper()).Where(g => g.Count() > 1).Select(g => g.Key).ToListAsync(ct);
        if (keys.Count == 0) return [];
        var packs = await db.Packs.Where(p => keys.Contains(p.PackId.ToUpper())).OrderBy(p => p.Id).Select(p => p.PackId).ToListAsync(ct);
        return packs.GroupBy(PackIdentifier.Canonical).Select(g => (IReadOnlyList<string>)g.ToList()).ToList();
    }

    /// <summary>Gives the pack stored as <paramref name="storedId"/> (exact spelling) the ID <paramref name="newId"/>,
    /// with its history and issued label; the history records the rename.</summary>
    public async Task<RecordingResult> RenameAsync(string storedId, string newId, Actor actor, CancellationToken ct = default)
    {
        if (PackIdentifier.Validate(newId) is { } error) return RecordingResult.Fail(RecordingStatus.Invalid, error);
        var canonical = PackIdentifier.Canonical(newId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var pack = await db.Packs.FirstOrDefaultAsync(p => p.PackId == storedId, ct);
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {EchoedInput.Display(storedId, PackIdentifier.MaxLength)} is not registered.");
            if (await db.Packs.AnyAsync(p => p.PackId.ToUpper() == canonical && p.Id != pack.Id, ct))
                return RecordingResult.Fail(RecordingStatus.AlreadyExists, $"Pack {canonical} already exists; choose another ID.");
            await db.AuditLog.Where(a => a.PackId == storedId).ExecuteUpdateAsync(u => u.SetProperty(a => a.PackId, canonical), ct);
            await db.IssuedLabels.Where(l => l.PackId == storedId).ExecuteUpdateAsync(u => u.SetProperty(l => l.PackId, canonical), ct);
            pack.PackId = canonical;
            pack.UpdatedUtc = time.GetUtcNow().UtcDateTime;
            db.AuditLog.Add(actor.Audit(pack.UpdatedUtc, canonical, "Rename", "Pack ID", oldValue: storedId, newValue: canonical,
                reason: "Pack IDs that differ only in case"));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            log.LogWarning("Pack {OldId} renamed to {PackId} by {User}", storedId, canonical, actor.Login);
            await feed.PublishAsync(new PackChange(PackChangeKind.Saved, canonical, null, pack.UpdatedUtc));
            return new RecordingResult(RecordingStatus.Done, $"Pack {storedId} is now {canonical}.");
        });
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var group in await ListAsync(cancellationToken))
                log.LogWarning("Packs {PackIds} have IDs that differ only in case; an admin renames one on the About page", string.Join(", ", group));
        }
        catch (Exception ex) when (DatabaseFault.Classify(ex) is { IsKnown: true })
        {
            log.LogWarning("Pack IDs were not checked for case conflicts: the database cannot be read ({Reason})", ex.GetBaseException().Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
