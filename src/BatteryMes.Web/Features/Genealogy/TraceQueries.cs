using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Genealogy;

/// <summary>Trace both ways: from a cell, module or lot to the packs that hold them, and from a pack to its modules and
/// cells. Each query walks indexes only (Components by serial or lot, ComponentLinks by component or by pack and side).</summary>
public sealed class TraceQueries(IDbContextFactory<MesDbContext> contexts, ProcessRoute route)
{
    public const int MaxPageSize = 500;

    public async Task<PackComponents?> PackAsync(string packId, CancellationToken ct = default)
    {
        packId = PackIdentifier.Canonical(packId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.AsNoTracking().FirstOrDefaultAsync(p => p.PackId == packId, ct);
        if (pack is null) return null;
        var links = await db.ComponentLinks.AsNoTracking().Include(l => l.Component)
            .Where(l => l.PackRowId == pack.Id).ToListAsync(ct);
        var places = links.Select(l => { l.Pack = pack; return ComponentLinker.ToPlace(l); }).ToList();
        static IOrderedEnumerable<ComponentPlace> Ordered(IEnumerable<ComponentPlace> p) => p.OrderBy(c => c.Side).ThenBy(c => c.Position ?? 0).ThenBy(c => c.LinkId);
        return new PackComponents(Summary(pack),
            Ordered(places.Where(p => p.InPlace && p.Kind == ComponentKind.Module)).ToList(),
            Ordered(places.Where(p => p.InPlace && p.Kind == ComponentKind.Cell)).ToList(),
            places.Where(p => !p.InPlace).OrderByDescending(p => p.RemovedUtc).ThenByDescending(p => p.LinkId).ToList());
    }

    public Task<ComponentTrace?> CellAsync(string serial, CancellationToken ct = default) => ComponentAsync(ComponentKind.Cell, serial, ct);

    /// <summary>A module, its pack, and the cells in place in that module of the pack.</summary>
    public Task<ComponentTrace?> ModuleAsync(string serial, CancellationToken ct = default) => ComponentAsync(ComponentKind.Module, serial, ct);

    private async Task<ComponentTrace?> ComponentAsync(ComponentKind kind, string serial, CancellationToken ct)
    {
        serial = ComponentSerial.Canonical(serial);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var component = await db.Components.AsNoTracking().FirstOrDefaultAsync(c => c.Kind == kind && c.Serial == serial, ct);
        if (component is null) return null;
        var links = await db.ComponentLinks.AsNoTracking().Include(l => l.Pack).Where(l => l.ComponentId == component.Id)
            .OrderByDescending(l => l.LinkedUtc).ThenByDescending(l => l.Id).ToListAsync(ct);
        var history = links.Select(l => { l.Component = component; return ComponentLinker.ToPlace(l); }).ToList();
        var current = links.FirstOrDefault(l => l.RemovedUtc is null);
        IReadOnlyList<ComponentPlace> cells = [];
        if (kind == ComponentKind.Module && current is not null)
        {
            var cellLinks = await db.ComponentLinks.AsNoTracking().Include(l => l.Component)
                .Where(l => l.PackRowId == current.PackRowId && l.Side == current.Side && l.RemovedUtc == null && l.Component.Kind == ComponentKind.Cell)
                .OrderBy(l => l.Position).ToListAsync(ct);
            cells = cellLinks.Select(l => { l.Pack = current.Pack; return ComponentLinker.ToPlace(l); }).ToList();
        }
        return new ComponentTrace(kind, component.Serial, component.Lot, component.CapacityAh, component.VoltageV, component.ResistanceMilliOhm,
            component.Source, current is null ? null : Summary(current.Pack), history.FirstOrDefault(h => h.InPlace), history, cells);
    }

    /// <summary>One page of the packs holding a cell of the lot now (cells removed in rework do not count), by pack ID.</summary>
    public async Task<LotTrace> LotAsync(string lot, int page = 1, int pageSize = 50, CancellationToken ct = default)
    {
        lot = ComponentSerial.Canonical(lot);
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var cellsInLot = await db.Components.CountAsync(c => c.Kind == ComponentKind.Cell && c.Lot == lot, ct);
        var perPack = PacksOfLot(db, lot);
        var total = await perPack.CountAsync(ct);
        var rows = await perPack
            .Join(db.Packs, g => g.PackRowId, p => p.Id, (g, p) => new { Pack = p, g.Cells })
            .OrderBy(r => r.Pack.PackId).Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(ct);
        return new LotTrace(lot, cellsInLot, total, page, pageSize, rows.Select(r => new LotPack(Summary(r.Pack), r.Cells)).ToList());
    }

    /// <summary>Every pack holding a cell of the lot, by pack ID, read as the caller goes (CSV download, hold).</summary>
    public async IAsyncEnumerable<LotPack> AllPacksOfLotAsync(string lot, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        lot = ComponentSerial.Canonical(lot);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = PacksOfLot(db, lot).Join(db.Packs, g => g.PackRowId, p => p.Id, (g, p) => new { Pack = p, g.Cells })
            .OrderBy(r => r.Pack.PackId).AsAsyncEnumerable();
        await foreach (var r in rows.WithCancellation(ct)) yield return new LotPack(Summary(r.Pack), r.Cells);
    }

    private static IQueryable<LotGroup> PacksOfLot(MesDbContext db, string lot) =>
        from c in db.Components
        where c.Kind == ComponentKind.Cell && c.Lot == lot
        join l in db.ComponentLinks on c.Id equals l.ComponentId
        where l.RemovedUtc == null
        group l by l.PackRowId into g
        select new LotGroup { PackRowId = g.Key, Cells = g.Count() };

    private sealed class LotGroup
    {
        public long PackRowId { get; init; }
        public int Cells { get; init; }
    }

    internal PackSummary Summary(Pack p) =>
        new(p.PackId, p.Status, p.CurrentStage, route.FindStage(p.CurrentStage)?.Name ?? "", p.HoldReason, p.HeldUtc, p.HeldBy);
}
