using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Who made a change and from where (for the audit log).</summary>
public sealed record Actor(string? User, string? Client)
{
    public static readonly Actor System = new("system", null);
}

/// <summary>One check's input in a save. A null result or value means "not given: leave the stored value alone",
/// so two people saving different modules of one stage never erase each other's work.</summary>
public sealed record CheckInput(string CheckCode, QcResult? ModuleX = null, QcResult? ModuleY = null, double? MeasuredX = null, double? MeasuredY = null);

/// <summary>A save of one stage. Null text fields are left alone; an empty string clears the field.</summary>
public sealed record StageSave(
    string PackId,
    int StageNumber,
    IReadOnlyList<CheckInput> Results,
    string? Technician = null,
    string? QcInspector = null,
    string? Remarks = null);

public enum RecordingStatus
{
    Done,
    NotFound,
    AlreadyExists,
    Invalid,
    Blocked,
    NotReady,
    Conflict,
}

/// <summary>The outcome of a recording action, with a message a person can act on when it did not succeed.</summary>
public sealed record RecordingResult(RecordingStatus Status, string Message, StageView? Stage = null, Blocker? Blocker = null)
{
    public bool Succeeded => Status == RecordingStatus.Done;
    public static RecordingResult Done(StageView stage, string message) => new(RecordingStatus.Done, message, stage);
    public static RecordingResult Fail(RecordingStatus status, string message, Blocker? blocker = null) => new(status, message, null, blocker);
}

/// <summary>A stage of a pack as stored, with its computed status.</summary>
public sealed record StageView(
    string PackId,
    int StageNumber,
    string StageName,
    StageStatus Status,
    IReadOnlyList<CheckEntry> Entries,
    string? Technician,
    string? QcInspector,
    string? Remarks,
    DateTime? StartedUtc,
    DateTime? CompletedUtc,
    DateTime? UpdatedUtc,
    int Version);

/// <summary>Records packs and their stage results: merge rules, status, blocking, audit log, live notification.
/// Every method opens its own short-lived DbContext.</summary>
public sealed class PackRecorder(
    IDbContextFactory<MesDbContext> contexts,
    ProcessRoute route,
    PackChangeFeed feed,
    TimeProvider time,
    ILogger<PackRecorder> log)
{
    public const int MaxTextLength = 100;
    public const int MaxRemarksLength = 2000;

    public async Task<RecordingResult> CreatePackAsync(string packId, string? moduleXSerial, string? moduleYSerial, Actor actor, CancellationToken ct = default)
    {
        if (PackIdentifier.Validate(packId) is { } idError) return RecordingResult.Fail(RecordingStatus.Invalid, idError);
        var serialError = ValidateSerial("Module X serial", moduleXSerial) ?? ValidateSerial("Module Y serial", moduleYSerial);
        if (serialError is not null) return RecordingResult.Fail(RecordingStatus.Invalid, serialError);

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Packs.AnyAsync(p => p.PackId == packId, ct))
            return RecordingResult.Fail(RecordingStatus.AlreadyExists, $"Pack {packId} already exists.");
        db.Packs.Add(new Pack
        {
            PackId = packId,
            ModuleXSerial = Clean(moduleXSerial),
            ModuleYSerial = Clean(moduleYSerial),
            CreatedUtc = now,
            UpdatedUtc = now,
            Status = PackStatus.NotStarted,
            CurrentStage = route.FirstStage.Number,
        });
        db.AuditLog.Add(Audit(now, packId, null, null, "Create", "Pack", null, packId, actor, null));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two people created the same pack at the same moment: the unique index kept one.
            if (await PackExistsAsync(packId, ct)) return RecordingResult.Fail(RecordingStatus.AlreadyExists, $"Pack {packId} already exists.");
            throw;
        }
        log.LogInformation("Pack {PackId} created by {User}", packId, actor.User);
        await feed.PublishAsync(new PackChange(PackChangeKind.Created, packId, null, now));
        return RecordingResult.Done(EmptyStage(packId, route.FirstStage), $"Pack {packId} created.");
    }

    public async Task<StageView?> GetStageAsync(string packId, int stageNumber, CancellationToken ct = default)
    {
        var stage = route.FindStage(stageNumber);
        if (stage is null) return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.AsNoTracking().Where(p => p.PackId == packId).Select(p => new { p.Id }).FirstOrDefaultAsync(ct);
        if (pack is null) return null;
        var record = await db.StageRecords.AsNoTracking().Include(s => s.Results)
            .FirstOrDefaultAsync(s => s.PackRowId == pack.Id && s.StageNumber == stageNumber, ct);
        return record is null ? EmptyStage(packId, stage) : ToView(packId, stage, record);
    }

    public async Task<RecordingResult> SaveStageAsync(StageSave save, Actor actor, CancellationToken ct = default)
    {
        var stage = route.FindStage(save.StageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {save.StageNumber}; the route has stages 1 to {route.StageCount}.");
        if (ValidateSave(save, stage) is { } invalid) return RecordingResult.Fail(RecordingStatus.Invalid, invalid);

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        var result = await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockPackAsync(db, save.PackId, ct);
            var pack = await db.Packs.Include(p => p.Stages).ThenInclude(s => s.Results)
                .AsSplitQuery().FirstOrDefaultAsync(p => p.PackId == save.PackId, ct);
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {save.PackId} is not registered. Create it first.");

            var blocker = StatusRules.BlockerFor(route, stage.Number, EntriesByStage(pack));
            if (blocker is not null) return RecordingResult.Fail(RecordingStatus.Blocked, blocker.Describe(), blocker);

            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            if (record is null)
            {
                record = new StageRecord { StageNumber = stage.Number, UpdatedUtc = now, Pack = pack };
                pack.Stages.Add(record);
            }

            var changes = new List<AuditEntry>();
            void Track(string? code, string field, string? oldValue, string? newValue)
            {
                if (!string.Equals(oldValue ?? "", newValue ?? "", StringComparison.Ordinal))
                    changes.Add(Audit(now, pack.PackId, stage.Number, code, "Save", field, oldValue, newValue, actor, null));
            }

            foreach (var input in save.Results)
            {
                var row = record.Results.FirstOrDefault(r => r.CheckCode == input.CheckCode);
                if (row is null)
                {
                    row = new CheckResult { CheckCode = input.CheckCode, UpdatedUtc = now };
                    record.Results.Add(row);
                }
                var check = stage.FindCheck(input.CheckCode)!;
                var before = row.ToEntry();
                if (input.MeasuredX is { } mx) row.MeasuredX = mx;
                if (input.MeasuredY is { } my) row.MeasuredY = my;
                if (input.ModuleX is { } x) row.ModuleX = x;
                else if (input.MeasuredX is { } jx && check.Limits is { } lx) row.ModuleX = lx.Judge(jx);
                if (input.ModuleY is { } y) row.ModuleY = y;
                else if (input.MeasuredY is { } jy && check.Limits is { } ly) row.ModuleY = ly.Judge(jy);
                Track(check.Code, "Module X", before.ModuleX.ToText(), row.ModuleX.ToText());
                Track(check.Code, "Module Y", before.ModuleY.ToText(), row.ModuleY.ToText());
                Track(check.Code, "Measured X", Format(before.MeasuredX), Format(row.MeasuredX));
                Track(check.Code, "Measured Y", Format(before.MeasuredY), Format(row.MeasuredY));
                if (!before.Equals(row.ToEntry())) row.UpdatedUtc = now;
            }
            if (save.Technician is not null) { Track(null, "Technician", record.Technician, Clean(save.Technician)); record.Technician = Clean(save.Technician); }
            if (save.QcInspector is not null) { Track(null, "QC inspector", record.QcInspector, Clean(save.QcInspector)); record.QcInspector = Clean(save.QcInspector); }
            if (save.Remarks is not null) { Track(null, "Remarks", record.Remarks, Clean(save.Remarks)); record.Remarks = Clean(save.Remarks); }

            if (changes.Count == 0 && record.Id != 0)
                return RecordingResult.Done(ToView(pack.PackId, stage, record), "Nothing changed.");

            record.StartedUtc ??= now;
            record.UpdatedUtc = now;
            record.Version++;
            Restate(pack, record, stage, now);
            db.AuditLog.AddRange(changes);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return RecordingResult.Done(ToView(pack.PackId, stage, record), SavedMessage(stage, record));
        });

        if (result.Succeeded && result.Message != "Nothing changed.")
        {
            log.LogInformation("Pack {PackId} stage {Stage} saved by {User}", save.PackId, stage.Number, actor.User);
            await feed.PublishAsync(new PackChange(PackChangeKind.Saved, save.PackId, stage.Number, now));
        }
        return result;
    }

    public async Task<RecordingResult> CompleteStageAsync(string packId, int stageNumber, Actor actor, CancellationToken ct = default)
    {
        var stage = route.FindStage(stageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {stageNumber}; the route has stages 1 to {route.StageCount}.");
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        var result = await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockPackAsync(db, packId, ct);
            var pack = await db.Packs.Include(p => p.Stages).ThenInclude(s => s.Results)
                .AsSplitQuery().FirstOrDefaultAsync(p => p.PackId == packId, ct);
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {packId} is not registered.");
            var blocker = StatusRules.BlockerFor(route, stage.Number, EntriesByStage(pack));
            if (blocker is not null) return RecordingResult.Fail(RecordingStatus.Blocked, blocker.Describe(), blocker);
            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            var entries = record?.Results.Select(r => r.ToEntry()).ToList() ?? [];
            if (record?.CompletedUtc is not null)
                return RecordingResult.Done(ToView(pack.PackId, stage, record), $"Stage {stage.Number} ({stage.Name}) is already completed.");
            if (entries.Any(e => e.HasNotOk))
                return RecordingResult.Fail(RecordingStatus.NotReady, $"Stage {stage.Number} ({stage.Name}) has NOT OK results; it cannot be completed until they are corrected.");
            if (record is null || !StatusRules.IsEveryCheckComplete(stage, entries))
                return RecordingResult.Fail(RecordingStatus.NotReady, MissingMessage(stage, entries));

            record.CompletedUtc = now;
            record.UpdatedUtc = now;
            record.Version++;
            Restate(pack, record, stage, now);
            db.AuditLog.Add(Audit(now, pack.PackId, stage.Number, null, "Complete", "End date", null, now.ToString("O"), actor, null));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return RecordingResult.Done(ToView(pack.PackId, stage, record), $"Stage {stage.Number} ({stage.Name}) completed.");
        });
        if (result.Succeeded)
            await feed.PublishAsync(new PackChange(PackChangeKind.Completed, packId, stage.Number, now));
        return result;
    }

    public async Task<RecordingResult> ReopenStageAsync(string packId, int stageNumber, string reason, Actor actor, CancellationToken ct = default)
    {
        var stage = route.FindStage(stageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {stageNumber}.");
        if (string.IsNullOrWhiteSpace(reason)) return RecordingResult.Fail(RecordingStatus.Invalid, "Give a reason for reopening a completed stage.");
        if (reason.Length > 500) return RecordingResult.Fail(RecordingStatus.Invalid, "The reason is longer than 500 characters.");
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.Include(p => p.Stages).ThenInclude(s => s.Results).AsSplitQuery()
            .FirstOrDefaultAsync(p => p.PackId == packId, ct);
        if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {packId} is not registered.");
        var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
        if (record?.CompletedUtc is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"Stage {stage.Number} ({stage.Name}) is not completed; there is nothing to reopen.");
        var old = record.CompletedUtc.Value.ToString("O");
        record.CompletedUtc = null;
        record.UpdatedUtc = now;
        record.Version++;
        Restate(pack, record, stage, now);
        db.AuditLog.Add(Audit(now, pack.PackId, stage.Number, null, "Reopen", "End date", old, null, actor, Clean(reason)));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return RecordingResult.Fail(RecordingStatus.Conflict, "Someone else changed this stage at the same moment. Reload and try again.");
        }
        await feed.PublishAsync(new PackChange(PackChangeKind.Reopened, packId, stage.Number, now));
        return RecordingResult.Done(ToView(pack.PackId, stage, record), $"Stage {stage.Number} ({stage.Name}) reopened for correction.");
    }

    /// <summary>Serialises writers of one pack for the rest of the transaction. SQLite's transactions are already
    /// exclusive (BEGIN IMMEDIATE); PostgreSQL needs a row lock, or two first saves of one stage would both insert it.</summary>
    private static async Task LockPackAsync(MesDbContext db, string packId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Packs\" WHERE \"PackId\" = {packId} FOR UPDATE", ct);
    }

    /// <summary>Recomputes the stored statuses of the stage and the pack after a change.</summary>
    private void Restate(Pack pack, StageRecord record, RouteStage stage, DateTime now)
    {
        var entries = record.Results.Select(r => r.ToEntry()).ToList();
        record.NotOkCount = entries.Count(e => e.HasNotOk);
        record.HadNotOk |= record.NotOkCount > 0;
        record.Status = StatusRules.StageStatusOf(stage, new StageFacts(stage.Number, entries, record.CompletedUtc, HasAnyRecord: true));

        var statuses = pack.Stages.ToDictionary(s => s.StageNumber, s => s.Status);
        pack.Status = StatusRules.PackStatusOf(route, statuses);
        pack.CurrentStage = StatusRules.CurrentStageOf(route, statuses);
        pack.CompletedUtc = pack.Status == PackStatus.ReadyForDispatch
            ? pack.Stages.FirstOrDefault(s => s.StageNumber == route.LastStage.Number)?.CompletedUtc
            : null;
        pack.UpdatedUtc = now;
    }

    private string? ValidateSave(StageSave save, RouteStage stage)
    {
        if (PackIdentifier.Validate(save.PackId) is { } idError) return idError;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in save.Results)
        {
            if (string.IsNullOrWhiteSpace(input.CheckCode)) return "A result has no check code.";
            if (stage.FindCheck(input.CheckCode) is not { } check)
                return $"Check '{Shorten(input.CheckCode)}' is not part of stage {stage.Number} ({stage.Name}).";
            if (!seen.Add(input.CheckCode)) return $"Check {input.CheckCode} appears twice in one save.";
            if ((input.MeasuredX is not null || input.MeasuredY is not null) && !check.IsMeasurable)
                return $"Check {check.Code} takes no measured value.";
            if (input.MeasuredX is { } mx && !double.IsFinite(mx) || input.MeasuredY is { } my && !double.IsFinite(my))
                return $"The measured value for check {check.Code} is not a number.";
        }
        return ValidateText("Technician", save.Technician, MaxTextLength)
            ?? ValidateText("QC inspector", save.QcInspector, MaxTextLength)
            ?? ValidateText("Remarks", save.Remarks, MaxRemarksLength);
    }

    private static string? ValidateText(string label, string? value, int max) =>
        value is not null && value.Length > max ? $"{label} is longer than {max} characters." : null;

    private static string? ValidateSerial(string label, string? value) =>
        value is null ? null
        : value.Length > 64 ? $"{label} is longer than 64 characters."
        : value.Any(char.IsControl) ? $"{label} contains control characters." : null;

    private static Dictionary<int, IReadOnlyCollection<CheckEntry>> EntriesByStage(Pack pack) =>
        pack.Stages.ToDictionary(s => s.StageNumber, s => (IReadOnlyCollection<CheckEntry>)s.Results.Select(r => r.ToEntry()).ToList());

    private static string SavedMessage(RouteStage stage, StageRecord record)
    {
        var entries = record.Results.Select(r => r.ToEntry()).ToList();
        if (record.Status == StageStatus.QcNotOk) return $"Saved. Stage {stage.Number} has NOT OK results: later stages are blocked until they are corrected.";
        if (record.CompletedUtc is not null) return "Saved. The stage stays completed.";
        if (StatusRules.IsEveryCheckComplete(stage, entries)) return "Saved. Every check has both results: the stage can be completed.";
        return "Saved. " + MissingMessage(stage, entries);
    }

    private static string MissingMessage(RouteStage stage, IReadOnlyCollection<CheckEntry> entries)
    {
        var missingX = StatusRules.MissingChecks(stage, entries, Module.X);
        var missingY = StatusRules.MissingChecks(stage, entries, Module.Y);
        var parts = new List<string>();
        if (missingX.Count > 0) parts.Add($"Module X still missing {Describe(missingX, stage)}");
        if (missingY.Count > 0) parts.Add($"Module Y still missing {Describe(missingY, stage)}");
        return parts.Count == 0 ? "" : string.Join("; ", parts) + ".";
    }

    private static string Describe(IReadOnlyList<string> codes, RouteStage stage) =>
        codes.Count == stage.Checks.Count ? $"all {codes.Count} checks" : codes.Count <= 6 ? string.Join(", ", codes) : $"{codes.Count} checks ({string.Join(", ", codes.Take(5))}, ...)";

    private StageView EmptyStage(string packId, RouteStage stage) =>
        new(packId, stage.Number, stage.Name, StageStatus.NotStarted, [], null, null, null, null, null, null, 0);

    private static StageView ToView(string packId, RouteStage stage, StageRecord r) =>
        new(packId, stage.Number, stage.Name, r.Status, r.Results.Select(x => x.ToEntry()).ToList(),
            r.Technician, r.QcInspector, r.Remarks, r.StartedUtc, r.CompletedUtc, r.UpdatedUtc, r.Version);

    private async Task<bool> PackExistsAsync(string packId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Packs.AnyAsync(p => p.PackId == packId, ct);
    }

    private static AuditEntry Audit(DateTime at, string packId, int? stage, string? code, string action, string field, string? oldValue, string? newValue, Actor actor, string? reason) => new()
    {
        AtUtc = at,
        PackId = packId,
        StageNumber = stage,
        CheckCode = code,
        Action = action,
        Field = field,
        OldValue = Truncate(oldValue, 2000),
        NewValue = Truncate(newValue, 2000),
        User = Truncate(actor.User, 100),
        Client = Truncate(actor.Client, 100),
        Reason = Truncate(reason, 500),
    };

    private static string? Clean(string? s)
    {
        if (s is null) return null;
        var cleaned = new string(s.Where(c => !char.IsControl(c) || c == '\n' || c == '\t').ToArray()).Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    private static string? Format(double? v) => v?.ToString("0.######", CultureInfo.InvariantCulture);
    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "...";
}
