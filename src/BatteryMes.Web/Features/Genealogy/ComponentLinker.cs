using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BatteryMes.Web.Features.Genealogy;

/// <summary>A scan of a cell or module at a stage of a pack. Voltage and internal resistance are the cell's sorting
/// values when the operator types them; a cell that already has values (from an import) keeps them.</summary>
public sealed record ComponentScan(string PackId, int StageNumber, Module Side, string? Serial, double? VoltageV = null, double? ResistanceMilliOhm = null);

/// <summary>Fits cells and modules into packs as people scan them, and takes them out or swaps them in rework.
/// One component has one parent at a time: the filtered unique index IX_ComponentLinks_InPlace decides when two
/// stations scan the same cell at once, and the loser gets the same refusal as a later scan.</summary>
public sealed class ComponentLinker(IDbContextFactory<MesDbContext> contexts, PackChangeFeed feed, TimeProvider time, ILogger<ComponentLinker> log)
{
    public const string AuditAction = "Component";
    public const int MaxReasonLength = 500;

    public async Task<ScanResult> ScanAsync(ComponentScan scan, Actor actor, CancellationToken ct = default)
    {
        var step = ScanSteps.At(scan.StageNumber);
        if (step == ScanStep.None)
            return new(ScanOutcome.Invalid, $"Nothing is scanned into a pack at stage {scan.StageNumber}: cells at stage {ScanSteps.CellSorting}, module serials at stage {ScanSteps.ModuleAssembly}, modules onto the pack at stage {ScanSteps.PackAssembly}.");
        if (!actor.Allows(Capability.RecordResults)) return NotPermitted(Capability.RecordResults);
        var kind = ScanSteps.KindAt(step);
        if (ComponentSerial.Validate(scan.Serial, ScanSteps.IdName(kind)) is { } error) return new(ScanOutcome.Invalid, error);
        if ((ValueError(scan.VoltageV, "voltage") ?? ValueError(scan.ResistanceMilliOhm, "internal resistance")) is { } valueError)
            return new(ScanOutcome.Invalid, valueError);
        var serial = ComponentSerial.Canonical(scan.Serial!);
        var packId = PackIdentifier.Canonical(scan.PackId);

        // A unique violation means another station fitted the component (or created it) in the same moment:
        // the second attempt reads what that station did and answers as for a later scan.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryScanAsync(scan with { PackId = packId, Serial = serial }, step, kind, actor, ct);
            }
            catch (DbUpdateException ex) when (IsUniqueViolation(ex) && attempt < 3)
            {
                log.LogInformation("{Kind} {Serial} was scanned at another station at the same moment; reading who holds it", kind, serial);
            }
        }
    }

    private async Task<ScanResult> TryScanAsync(ComponentScan scan, ScanStep step, ComponentKind kind, Actor actor, CancellationToken ct)
    {
        var serial = scan.Serial!;
        var what = $"{ScanSteps.Title(kind)} {serial}";
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.FirstOrDefaultAsync(p => p.PackId == scan.PackId, ct);
        if (pack is null) return new(ScanOutcome.PackNotFound, $"Pack {EchoedInput.Display(scan.PackId, PackIdentifier.MaxLength)} is not registered.");

        var component = await db.Components.FirstOrDefaultAsync(c => c.Kind == kind && c.Serial == serial, ct);
        if (component is not null)
        {
            var held = await InPlaceQuery(db).Where(l => l.ComponentId == component.Id).FirstOrDefaultAsync(ct);
            if (held is not null)
            {
                var place = ToPlace(held);
                if (held.PackRowId != pack.Id)
                    return new(ScanOutcome.Refused, $"{what} is already in pack {held.Pack.PackId}, {place.Where}. A supervisor removes it there in rework before it can be fitted here.", place);
                if (held.Side != scan.Side)
                    return new(ScanOutcome.Refused, $"{what} is already in this pack, {place.Where}; it cannot also be in Module {scan.Side}.", place);
                if (step == ScanStep.ModulesOntoPack)
                    return new(ScanOutcome.Confirmed, $"{what} confirmed as Module {scan.Side} of pack {pack.PackId}.", place);
                return new(ScanOutcome.AlreadyHere, $"{what} is already in {place.Where}.", place);
            }
        }

        if (kind == ComponentKind.Module)
        {
            var fitted = await InPlaceQuery(db).Where(l => l.PackRowId == pack.Id && l.Side == scan.Side && l.Component.Kind == ComponentKind.Module).FirstOrDefaultAsync(ct);
            if (fitted is not null)
                return new(ScanOutcome.Refused, $"Module {scan.Side} of pack {pack.PackId} is module {fitted.Component.Serial}. A supervisor replaces it in rework if {serial} belongs there.", ToPlace(fitted));
        }

        var now = Now();
        if (component is null)
        {
            component = new Component { Kind = kind, Serial = serial, Source = "scan", CreatedUtc = now, UpdatedUtc = now };
            db.Components.Add(component);
        }
        if (kind == ComponentKind.Cell && (scan.VoltageV is not null && component.VoltageV is null || scan.ResistanceMilliOhm is not null && component.ResistanceMilliOhm is null))
        {
            component.VoltageV ??= scan.VoltageV;
            component.ResistanceMilliOhm ??= scan.ResistanceMilliOhm;
            component.UpdatedUtc = now;
        }
        int? position = null;
        if (kind == ComponentKind.Cell)
        {
            var last = await db.ComponentLinks.Where(l => l.PackRowId == pack.Id && l.Side == scan.Side && l.RemovedUtc == null && l.Position != null)
                .MaxAsync(l => l.Position, ct);
            position = (last ?? 0) + 1;
        }
        var link = new ComponentLink
        {
            Component = component,
            PackRowId = pack.Id,
            Side = scan.Side,
            Position = position,
            StageNumber = scan.StageNumber,
            LinkedUtc = now,
            LinkedBy = Truncate(actor.User, 100) ?? "unknown",
            LinkedByLogin = Truncate(actor.Login, 64),
        };
        db.ComponentLinks.Add(link);
        if (kind == ComponentKind.Module) SetModuleSerial(pack, scan.Side, serial);
        db.AuditLog.Add(Audit(now, pack.PackId, scan.StageNumber, "Link", FieldOf(kind, scan.Side, position), null, serial, actor, null));
        await db.SaveChangesAsync(ct);

        log.LogInformation("{Kind} {Serial} fitted into pack {PackId} Module {Side} at position {Position} by {User}", kind, serial, pack.PackId, scan.Side, position, actor.User);
        await feed.PublishAsync(new PackChange(PackChangeKind.Saved, pack.PackId, scan.StageNumber, now));
        link.Pack = pack;
        var placed = ToPlace(link);
        return new(ScanOutcome.Linked, $"{what} fitted: {placed.Where}.", placed);
    }

    /// <summary>Takes a component out of a pack in rework (Supervisor role); the link stays in the history.</summary>
    public Task<ScanResult> RemoveAsync(string packId, long linkId, string? reason, Actor actor, CancellationToken ct = default) =>
        ReworkAsync(packId, linkId, null, reason, actor, ct);

    /// <summary>Puts another component in the place of one in the pack (Supervisor role): the old link is removed
    /// with the reason and points to the new one.</summary>
    public Task<ScanResult> ReplaceAsync(string packId, long linkId, string? newSerial, string? reason, Actor actor, CancellationToken ct = default) =>
        ReworkAsync(packId, linkId, newSerial ?? "", reason, actor, ct);

    private async Task<ScanResult> ReworkAsync(string packId, long linkId, string? newSerial, string? reason, Actor actor, CancellationToken ct)
    {
        if (!actor.Allows(Capability.Supervise)) return NotPermitted(Capability.Supervise);
        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason)) return new(ScanOutcome.Invalid, "Give the reason for the rework.");
        if (reason.Length > MaxReasonLength) return new(ScanOutcome.Invalid, $"The reason is {reason.Length} characters long; the limit is {MaxReasonLength}.");
        packId = PackIdentifier.Canonical(packId);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var old = await db.ComponentLinks.Include(l => l.Component).Include(l => l.Pack)
            .FirstOrDefaultAsync(l => l.Id == linkId && l.Pack.PackId == packId, ct);
        if (old is null) return new(ScanOutcome.Invalid, $"Pack {EchoedInput.Display(packId, PackIdentifier.MaxLength)} has no component link {linkId}.");
        var kind = old.Component.Kind;
        var what = $"{ScanSteps.Title(kind)} {old.Component.Serial}";
        if (old.RemovedUtc is not null) return new(ScanOutcome.Refused, $"{what} was already removed from this pack.", ToPlace(old));

        string? serial = null;
        Component? replacement = null;
        if (newSerial is not null)
        {
            if (ComponentSerial.Validate(newSerial, "new " + ScanSteps.IdName(kind)) is { } error) return new(ScanOutcome.Invalid, error);
            serial = ComponentSerial.Canonical(newSerial);
            if (serial == old.Component.Serial) return new(ScanOutcome.Invalid, $"{what} cannot replace itself: scan the {ScanSteps.IdName(kind)} of the new one.");
            replacement = await db.Components.FirstOrDefaultAsync(c => c.Kind == kind && c.Serial == serial, ct);
            if (replacement is not null && await InPlaceQuery(db).FirstOrDefaultAsync(l => l.ComponentId == replacement.Id, ct) is { } held)
                return new(ScanOutcome.Refused, $"{ScanSteps.Title(kind)} {serial} is already in pack {held.Pack.PackId}, {ToPlace(held).Where}.", ToPlace(held));
        }

        var now = Now();
        var strategy = db.Database.CreateExecutionStrategy();
        ComponentLink? added = null;
        try
        {
            await strategy.ExecuteAsync(async () =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                old.RemovedUtc = now;
                old.RemovedBy = Truncate(actor.User, 100);
                old.RemovedByLogin = Truncate(actor.Login, 64);
                old.RemovedReason = reason;
                if (serial is not null)
                {
                    replacement ??= db.Components.Add(new Component { Kind = kind, Serial = serial, Source = "scan", CreatedUtc = now, UpdatedUtc = now }).Entity;
                    added = new ComponentLink
                    {
                        Component = replacement, PackRowId = old.PackRowId, Side = old.Side, Position = old.Position, StageNumber = old.StageNumber,
                        LinkedUtc = now, LinkedBy = Truncate(actor.User, 100) ?? "unknown", LinkedByLogin = Truncate(actor.Login, 64),
                    };
                    db.ComponentLinks.Add(added);
                    db.AuditLog.Add(Audit(now, packId, old.StageNumber, "Replace", FieldOf(kind, old.Side, old.Position), old.Component.Serial, serial, actor, reason));
                }
                else
                {
                    db.AuditLog.Add(Audit(now, packId, old.StageNumber, "Remove", FieldOf(kind, old.Side, old.Position), old.Component.Serial, null, actor, reason));
                }
                if (kind == ComponentKind.Module) SetModuleSerial(old.Pack, old.Side, serial);
                await db.SaveChangesAsync(ct);
                if (added is not null)
                {
                    old.ReplacedByLinkId = added.Id;
                    await db.SaveChangesAsync(ct);
                }
                await tx.CommitAsync(ct);
            });
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            return new(ScanOutcome.Refused, $"{ScanSteps.Title(kind)} {serial} was fitted elsewhere at the same moment; nothing was changed. Scan it again to see where.");
        }
        log.LogInformation("{Kind} {Serial} of pack {PackId} {Action} by {User}: {Reason}", kind, old.Component.Serial, packId, serial is null ? "removed" : "replaced by " + serial, actor.User, reason);
        await feed.PublishAsync(new PackChange(PackChangeKind.Saved, packId, old.StageNumber, now));
        return added is null
            ? new(ScanOutcome.Linked, $"{what} removed from {ToPlace(old).Where}.", ToPlace(old))
            : new(ScanOutcome.Linked, $"{what} replaced by {serial} in {ToPlace(added).Where}.", ToPlace(added));
    }

    /// <summary>Sets a cell's sorting values typed at cell sorting (values from an import are not overwritten by a scan,
    /// but a person may correct them here).</summary>
    public async Task<ScanResult> SetCellValuesAsync(string packId, long linkId, double? voltageV, double? resistanceMilliOhm, Actor actor, CancellationToken ct = default)
    {
        if (!actor.Allows(Capability.RecordResults)) return NotPermitted(Capability.RecordResults);
        if ((ValueError(voltageV, "voltage") ?? ValueError(resistanceMilliOhm, "internal resistance")) is { } error) return new(ScanOutcome.Invalid, error);
        packId = PackIdentifier.Canonical(packId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var link = await db.ComponentLinks.Include(l => l.Component).Include(l => l.Pack)
            .FirstOrDefaultAsync(l => l.Id == linkId && l.Pack.PackId == packId && l.RemovedUtc == null, ct);
        if (link is null || link.Component.Kind != ComponentKind.Cell) return new(ScanOutcome.Invalid, $"Pack {packId} has no cell link {linkId} in place.");
        var cell = link.Component;
        if (cell.VoltageV == voltageV && cell.ResistanceMilliOhm == resistanceMilliOhm) return new(ScanOutcome.AlreadyHere, "Nothing changed.", ToPlace(link));
        var now = Now();
        db.AuditLog.Add(Audit(now, packId, link.StageNumber, "Values", $"Cell {cell.Serial}", $"{cell.VoltageV} V, {cell.ResistanceMilliOhm} mOhm",
            $"{voltageV} V, {resistanceMilliOhm} mOhm", actor, null));
        cell.VoltageV = voltageV;
        cell.ResistanceMilliOhm = resistanceMilliOhm;
        cell.Source = "scan";
        cell.UpdatedUtc = now;
        await db.SaveChangesAsync(ct);
        await feed.PublishAsync(new PackChange(PackChangeKind.Saved, packId, link.StageNumber, now));
        return new(ScanOutcome.Linked, $"Values of cell {cell.Serial} saved.", ToPlace(link));
    }

    internal static IQueryable<ComponentLink> InPlaceQuery(MesDbContext db) =>
        db.ComponentLinks.AsNoTracking().Include(l => l.Component).Include(l => l.Pack).Where(l => l.RemovedUtc == null);

    internal static ComponentPlace ToPlace(ComponentLink l) =>
        new(l.Id, l.Component.Kind, l.Component.Serial, l.Pack.PackId, l.Side, l.Position, l.StageNumber, l.Component.Lot, l.Component.CapacityAh,
            l.Component.VoltageV, l.Component.ResistanceMilliOhm, l.Component.Source, l.LinkedUtc, l.LinkedBy, l.RemovedUtc, l.RemovedBy, l.RemovedReason, l.ReplacedByLinkId);

    /// <summary>Whether the database refused a row for a unique index (SQLite's SQLITE_CONSTRAINT_UNIQUE or
    /// PRIMARYKEY, PostgreSQL's 23505).</summary>
    internal static bool IsUniqueViolation(DbUpdateException ex) => ex.GetBaseException() switch
    {
        SqliteException s => s.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    private static void SetModuleSerial(Pack pack, Module side, string? serial)
    {
        // The pack's own module serial columns stay in step, so the reports and forms keep showing the module.
        if (side == Module.X) pack.ModuleXSerial = serial; else pack.ModuleYSerial = serial;
    }

    private static string FieldOf(ComponentKind kind, Module side, int? position) =>
        kind == ComponentKind.Cell ? $"Cell Module {side} #{position}" : $"Module {side}";

    private static string? ValueError(double? value, string name) =>
        value is { } v && (!double.IsFinite(v) || v < 0 || v > 10_000) ? $"The {name} {v} is not a measured value (0 to 10000)." : null;

    private static ScanResult NotPermitted(Capability capability) =>
        new(ScanOutcome.NotPermitted, $"This needs the {RoleRules.Describe(capability)} role.");

    /// <summary>A row of the audit log under the action "Component": the field names the place and what happened to it.</summary>
    private static AuditEntry Audit(DateTime at, string packId, int? stage, string what, string field, string? oldValue, string? newValue, Actor actor, string? reason) =>
        actor.Audit(at, packId, AuditAction, $"{field} {what.ToLowerInvariant()}", stage: stage, oldValue: oldValue, newValue: newValue, reason: reason);

    /// <summary>Whole microseconds: PostgreSQL keeps no finer time.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

internal static class ActorRights
{
    /// <summary>The actor's roles allow the capability (an actor without roles, e.g. the system, is allowed nothing).</summary>
    public static bool Allows(this Actor actor, Capability capability) => actor.Roles is { } roles && RoleRules.Allows(roles, capability);
}
