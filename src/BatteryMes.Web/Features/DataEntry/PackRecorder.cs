using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Who made a change and from where (for the audit log): the signed-in person's full name, login and roles.</summary>
public sealed record Actor(string? User, string? Client, string? Login = null, IReadOnlyList<Role>? Roles = null)
{
    /// <summary>A QC inspector or supervisor: may sign stages off and record deviations.</summary>
    public bool MaySignOff => Roles is not null && RoleRules.Allows(Roles, Capability.SignOff);

    public static readonly Actor System = new("system", null);

    /// <summary>A row of the audit log written by this person: their name, login and client address, and every text
    /// cut to its column's length, so an over-long value is kept in part rather than refused by the database.</summary>
    public AuditEntry Audit(DateTime at, string packId, string action, string field, int? stage = null, string? checkCode = null,
        string? oldValue = null, string? newValue = null, string? reason = null) => new()
    {
        AtUtc = at,
        PackId = packId,
        StageNumber = stage,
        CheckCode = checkCode,
        Action = action,
        Field = Cut(field, 64)!,
        OldValue = Cut(oldValue, 2000),
        NewValue = Cut(newValue, 2000),
        User = Cut(User, 100),
        UserLogin = Cut(Login, 64),
        Client = Cut(Client, 100),
        Reason = Cut(reason, 500),
    };

    private static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

/// <summary>One check's input in a save. A null result or value means "not given: leave the stored value alone",
/// so two people saving different modules of one stage never erase each other's work.</summary>
/// <see cref="DeviationX"/>/<see cref="DeviationY"/> give the reason for a result its measured value contradicts; <see cref="Remark"/>
/// is the check's own remark (an empty string clears it).
public sealed record CheckInput(string CheckCode, QcResult? ModuleX = null, QcResult? ModuleY = null, double? MeasuredX = null, double? MeasuredY = null,
    string? DeviationX = null, string? DeviationY = null, string? Remark = null)
{
    public QcResult? Result(Module module) => module == Module.X ? ModuleX : ModuleY;
    public double? Measured(Module module) => module == Module.X ? MeasuredX : MeasuredY;
    public string? Deviation(Module module) => module == Module.X ? DeviationX : DeviationY;
}

/// <summary>A save of one stage. Null remarks are left alone; an empty string clears them. The technician is not part
/// of a save: it is the signed-in person who saves (<see cref="Actor"/>).</summary>
public sealed record StageSave(
    string PackId,
    int StageNumber,
    IReadOnlyList<CheckInput> Results,
    string? Remarks = null,
    StageBaseline? Since = null,
    ConflictHandling OnConflict = ConflictHandling.SaveTheRest);

/// <summary>What to do when a field this save changes was changed by someone else after <see cref="StageSave.Since"/>.</summary>
public enum ConflictHandling
{
    /// <summary>Save every field nobody else touched and report the conflicting ones (the page: the user chooses).</summary>
    SaveTheRest,
    /// <summary>Save nothing and report the conflicts (the API with If-Match: 409).</summary>
    RejectAll,
}

/// <summary>A field this save wanted to change that someone else changed after the form (or API client) read it.
/// <see cref="CheckCode"/> is null for the stage's own fields (technician, QC inspector, remarks).</summary>
public sealed record FieldConflict(string? CheckCode, string Field, string? Mine, string? Theirs);

public enum RecordingStatus
{
    Done,
    NotFound,
    AlreadyExists,
    Invalid,
    Blocked,
    NotReady,
    Conflict,
    /// <summary>The person may not do this (for example: record a deviation without the QC inspector role).</summary>
    NotPermitted,
    /// <summary>The signer recorded every result of the stage and the second-person rule is on.</summary>
    SecondPersonRequired,
    /// <summary>The record would contradict its evidence: a deviation without a reason, OK without a required value.</summary>
    Unprocessable,
}

/// <summary>The outcome of a recording action, with a message a person can act on when it did not succeed.</summary>
public sealed record RecordingResult(RecordingStatus Status, string Message, StageView? Stage = null, Blocker? Blocker = null,
    IReadOnlyList<FieldConflict>? Conflicts = null)
{
    public bool Succeeded => Status == RecordingStatus.Done;
    public bool HasConflicts => Conflicts is { Count: > 0 };
    public static RecordingResult Done(StageView stage, string message, IReadOnlyList<FieldConflict>? conflicts = null) => new(RecordingStatus.Done, message, stage, null, conflicts);
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
    int Version,
    string? SignedOffBy = null)
{
    /// <summary>The version of the stage this view shows; a later save passes it to detect conflicting edits.</summary>
    public StageBaseline Baseline => new(Version, UpdatedUtc);
}

/// <summary>The version of a stage a client read: <see cref="Version"/> rises on every change and
/// <see cref="UpdatedUtc"/> dates it, so the audit log can say which fields changed after it.</summary>
public sealed record StageBaseline(int Version, DateTime? UpdatedUtc)
{
    public string ToETag() => $"\"{Version}-{UpdatedUtc?.Ticks ?? 0}\"";

    public static bool TryParseETag(string? etag, out StageBaseline baseline)
    {
        baseline = new StageBaseline(0, null);
        var text = etag?.Trim() ?? "";
        if (text.StartsWith("W/", StringComparison.Ordinal)) text = text[2..];
        text = text.Trim('"');
        var dash = text.IndexOf('-');
        if (dash <= 0 || !int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !long.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks)
            return false;
        baseline = new StageBaseline(version, ticks == 0 ? null : new DateTime(ticks, DateTimeKind.Utc));
        return true;
    }
}

/// <summary>A pack with its overall status and each stage's status (in route order).</summary>
public sealed record PackView(string PackId, string? ModuleXSerial, string? ModuleYSerial, PackStatus Status, int CurrentStage,
    DateTime CreatedUtc, DateTime? CompletedUtc, IReadOnlyList<PackStageSummary> Stages);

public sealed record PackStageSummary(int Number, string Name, StageStatus Status, DateTime? StartedUtc, DateTime? CompletedUtc, Blocker? Blocker);

/// <summary>Records packs and their stage results: merge rules, status, blocking, audit log, live notification.
/// Every method opens its own short-lived DbContext.</summary>
public sealed class PackRecorder(
    IDbContextFactory<MesDbContext> contexts,
    ProcessRoute route,
    PackChangeFeed feed,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptionsMonitor<Identity.SecurityOptions> security,
    ILogger<PackRecorder> log)
{
    public const int MaxTextLength = 100;
    public const int MaxRemarksLength = 2000;
    public const int MaxSerialLength = 64;
    public const int MaxReasonLength = 500;
    public const int MaxCheckRemarkLength = 500;
    private static readonly Module[] Modules = [Module.X, Module.Y];
    private const string NothingChanged = "Nothing changed: the stage already holds these values.";
    private const string NothingSavedPrefix = "Nothing was saved";

    public async Task<RecordingResult> CreatePackAsync(string packId, string? moduleXSerial, string? moduleYSerial, Actor actor, CancellationToken ct = default)
    {
        if (PackIdentifier.Validate(packId) is { } idError) return RecordingResult.Fail(RecordingStatus.Invalid, idError);
        var serialError = ValidateSerial("Module X serial", moduleXSerial) ?? ValidateSerial("Module Y serial", moduleYSerial);
        if (serialError is not null) return RecordingResult.Fail(RecordingStatus.Invalid, serialError);
        packId = PackIdentifier.Canonical(packId);

        var now = Now();
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Packs.AnyAsync(p => p.PackId == packId, ct))
            return RecordingResult.Fail(RecordingStatus.AlreadyExists, $"Pack {packId} already exists (pack IDs are the same whatever their case).");
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
        db.AuditLog.Add(actor.Audit(now, packId, "Create", "Pack", newValue: packId));
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
        packId = PackIdentifier.Canonical(packId);
        var stage = route.FindStage(stageNumber);
        if (stage is null) return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.AsNoTracking().Where(p => p.PackId == packId).Select(p => new { p.Id }).FirstOrDefaultAsync(ct);
        if (pack is null) return null;
        var record = await db.StageRecords.AsNoTracking().Include(s => s.Results)
            .FirstOrDefaultAsync(s => s.PackRowId == pack.Id && s.StageNumber == stageNumber, ct);
        return record is null ? EmptyStage(packId, stage) : ToView(packId, stage, record);
    }

    /// <summary>The pack with its overall status and each stage's status, in route order; null when not registered.</summary>
    public async Task<PackView?> GetPackAsync(string packId, CancellationToken ct = default)
    {
        packId = PackIdentifier.Canonical(packId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.AsNoTracking().Include(p => p.Stages).ThenInclude(s => s.Results).AsSplitQuery()
            .FirstOrDefaultAsync(p => p.PackId == packId, ct);
        if (pack is null) return null;
        var entries = EntriesByStage(pack);
        var stages = route.Stages.Select(stage =>
        {
            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            return new PackStageSummary(stage.Number, stage.Name, record?.Status ?? StageStatus.NotStarted,
                record?.StartedUtc, record?.CompletedUtc, StatusRules.BlockerFor(route, stage.Number, entries));
        }).ToList();
        return new PackView(pack.PackId, pack.ModuleXSerial, pack.ModuleYSerial, pack.Status, pack.CurrentStage,
            pack.CreatedUtc, pack.CompletedUtc, stages);
    }

    /// <summary>The pack's audit log, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(string packId, int max = 500, CancellationToken ct = default)
    {
        packId = PackIdentifier.Canonical(packId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AuditLog.AsNoTracking().Where(a => a.PackId == packId)
            .OrderByDescending(a => a.AtUtc).ThenByDescending(a => a.Id).Take(max).ToListAsync(ct);
    }

    public async Task<RecordingResult> SaveStageAsync(StageSave save, Actor actor, CancellationToken ct = default)
    {
        var stage = route.FindStage(save.StageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {save.StageNumber}; the route has stages 1 to {route.StageCount}.");
        if (ValidateSave(save, stage) is { } invalid) return RecordingResult.Fail(RecordingStatus.Invalid, invalid);
        save = save with { PackId = PackIdentifier.Canonical(save.PackId) };

        var now = Now();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        var committed = false;
        var result = await strategy.ExecuteAsync(async () =>
        {
            committed = false;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var pack = await StageSaveReader.ReadAsync(db, save.PackId, stage.Number, ct);
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {EchoedInput.Display(save.PackId, PackIdentifier.MaxLength)} is not registered. Create it first.");

            var blocker = await BlockerForAsync(db, pack, stage.Number, ct);
            if (blocker is not null) return RecordingResult.Fail(RecordingStatus.Blocked, blocker.Describe(), blocker);

            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            var recordIsNew = record is null;
            if (record is null)
            {
                record = new StageRecord { StageNumber = stage.Number, UpdatedUtc = now, Pack = pack, PackRowId = pack.Id };
                pack.Stages.Add(record);
            }

            var storedView = !recordIsNew ? ToView(pack.PackId, stage, record) : EmptyStage(pack.PackId, stage);
            var changedSince = await FieldsChangedSinceAsync(db, pack.PackId, stage.Number, record, save.Since, ct);
            var conflicts = new List<FieldConflict>();
            var changes = new List<AuditEntry>();
            var changedRows = new List<CheckResult>();
            // True when the save wants a different value for this field and nobody else changed it since the baseline.
            bool MayChange(string? code, string field, string? stored, string? wanted)
            {
                if (string.Equals(stored ?? "", wanted ?? "", StringComparison.Ordinal)) return false;
                if (changedSince.Contains((code, field)))
                {
                    conflicts.Add(new FieldConflict(code, field, wanted, stored));
                    return false;
                }
                changes.Add(actor.Audit(now, pack.PackId, "Save", field, stage: stage.Number, checkCode: code, oldValue: stored, newValue: wanted));
                return true;
            }

            foreach (var input in save.Results)
            {
                var check = stage.FindCheck(input.CheckCode)!;
                var row = record.Results.FirstOrDefault(r => r.CheckCode == input.CheckCode)
                    ?? new CheckResult { CheckCode = input.CheckCode, UpdatedUtc = now };
                var before = row.ToEntry();
                // A measured value without an explicit result earns the result its limits give.
                var wantX = input.ModuleX ?? (input.MeasuredX is { } jx && check.Limits is { } lx ? lx.Judge(jx) : null);
                var wantY = input.ModuleY ?? (input.MeasuredY is { } jy && check.Limits is { } ly ? ly.Judge(jy) : null);
                if (input.MeasuredX is { } mx && MayChange(check.Code, "Measured X", Format(row.MeasuredX), Format(mx))) row.MeasuredX = mx;
                if (input.MeasuredY is { } my && MayChange(check.Code, "Measured Y", Format(row.MeasuredY), Format(my))) row.MeasuredY = my;
                if (wantX is { } x && MayChange(check.Code, "Module X", row.ModuleX.ToText(), x.ToText())) row.ModuleX = x;
                if (wantY is { } y && MayChange(check.Code, "Module Y", row.ModuleY.ToText(), y.ToText())) row.ModuleY = y;
                foreach (var module in Modules)
                {
                    var result = module == Module.X ? row.ModuleX : row.ModuleY;
                    var measured = module == Module.X ? row.MeasuredX : row.MeasuredY;
                    var touched = result != before.Get(module) || measured != before.Measured(module);
                    var stored = before.Deviation(module);
                    var field = $"Deviation {module}";
                    switch (QcJudging.Judge(check, result, measured))
                    {
                        case Verdict.MissingValue when touched:
                            return RecordingResult.Fail(RecordingStatus.Unprocessable, QcJudging.Describe(check, module, result, measured) + " Nothing was saved.");
                        case Verdict.Deviation:
                            var reason = Clean(input.Deviation(module)) ?? (touched ? null : stored);
                            if (reason is null)
                                return RecordingResult.Fail(RecordingStatus.Unprocessable, QcJudging.Describe(check, module, result, measured)
                                    + " Give the reason for the deviation (a QC inspector or supervisor records it), or record the result the value gives. Nothing was saved.");
                            if (!actor.MaySignOff)
                                return RecordingResult.Fail(RecordingStatus.NotPermitted, QcJudging.Describe(check, module, result, measured)
                                    + $" Only a QC inspector or supervisor may record a deviation; {actor.User ?? "this person"} may not. Nothing was saved.");
                            if (reason.Length > QcJudging.MaxReasonLength)
                                return RecordingResult.Fail(RecordingStatus.Invalid, $"The deviation reason for check {check.Code} Module {module} is longer than {QcJudging.MaxReasonLength} characters.");
                            if (MayChange(check.Code, field, stored, reason)) SetDeviation(row, module, reason);
                            break;
                        default:
                            // A result that agrees with its value needs no reason: an old one no longer applies.
                            if (stored is not null && MayChange(check.Code, field, stored, null)) SetDeviation(row, module, null);
                            break;
                    }
                }
                if (input.Remark is not null)
                {
                    if (input.Remark.Length > MaxCheckRemarkLength)
                        return RecordingResult.Fail(RecordingStatus.Invalid, $"The remark on check {check.Code} is longer than {MaxCheckRemarkLength} characters.");
                    if (MayChange(check.Code, "Remark", row.Remark, Clean(input.Remark))) row.Remark = Clean(input.Remark);
                }
                if (before.Equals(row.ToEntry())) continue;
                row.UpdatedUtc = now;
                changedRows.Add(row);
                if (row.Id == 0 && !record.Results.Contains(row)) record.Results.Add(row);
            }
            if (save.Remarks is not null && MayChange(null, "Remarks", record.Remarks, Clean(save.Remarks))) record.Remarks = Clean(save.Remarks);

            if (conflicts.Count > 0 && save.OnConflict == ConflictHandling.RejectAll)
                return new RecordingResult(RecordingStatus.Conflict, ConflictMessage(conflicts, savedOthers: false), storedView, null, conflicts);
            if (changes.Count == 0)
                return conflicts.Count > 0
                    ? RecordingResult.Done(storedView, ConflictMessage(conflicts, savedOthers: false), conflicts)
                    : RecordingResult.Done(storedView, NothingChanged);
            // The technician is whoever saves: never typed, and never a conflict between two people saving one stage.
            var technician = Truncate(Clean(actor.User), MaxTextLength);
            if (technician is not null && technician != record.Technician)
            {
                changes.Add(actor.Audit(now, pack.PackId, "Save", "Technician", stage: stage.Number, oldValue: record.Technician, newValue: technician));
                record.Technician = technician;
            }

            record.StartedUtc ??= now;
            record.UpdatedUtc = now;
            record.Version++;
            Restate(pack, record, stage, now);
            await StageRowWriter.WriteAsync(db, pack, record, recordIsNew, changedRows, changes, ct);
            await tx.CommitAsync(ct);
            committed = true;
            var message = conflicts.Count > 0 ? ConflictMessage(conflicts, savedOthers: true) : SavedMessage(stage, record);
            return RecordingResult.Done(ToView(pack.PackId, stage, record), message, conflicts);
        });

        if (committed)
        {
            log.LogInformation("Pack {PackId} stage {Stage} saved by {User}", save.PackId, stage.Number, actor.User);
            await feed.PublishAsync(new PackChange(PackChangeKind.Saved, save.PackId, stage.Number, now));
        }
        return result;
    }

    /// <summary>Signs a stage off: <paramref name="signer"/> is the QC inspector whose PIN or password the caller has
    /// just checked. They become the stage's QC inspector, with the time and the meaning of the signature (approved).
    /// With BatteryMes:Security:RequireSecondPersonSignOff, a stage whose results were recorded only by the signer is refused.</summary>
    public async Task<RecordingResult> CompleteStageAsync(string packId, int stageNumber, Actor signer, CancellationToken ct = default)
    {
        packId = PackIdentifier.Canonical(packId);
        var actor = signer;
        var stage = route.FindStage(stageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {stageNumber}; the route has stages 1 to {route.StageCount}.");
        var now = Now();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        var result = await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockPackAsync(db, packId, ct);
            var pack = await LoadPackForWriteAsync(db, packId, stage.Number, ct);
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {EchoedInput.Display(packId, PackIdentifier.MaxLength)} is not registered.");
            // A held pack (a recalled cell lot) may still be recorded, but nothing of it is signed off until the hold is released.
            if (pack.HoldReason is not null)
                return RecordingResult.Fail(RecordingStatus.Blocked, $"Pack {pack.PackId} is on hold: {pack.HoldReason}. No stage is completed until a supervisor releases the hold; results may still be recorded.");
            var blocker = await BlockerForAsync(db, pack, stage.Number, ct);
            if (blocker is not null) return RecordingResult.Fail(RecordingStatus.Blocked, blocker.Describe(), blocker);
            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            var entries = record?.Results.Select(r => r.ToEntry()).ToList() ?? [];
            if (record?.CompletedUtc is not null)
                return RecordingResult.Done(ToView(pack.PackId, stage, record), $"Stage {stage.Number} ({stage.Name}) is already completed.");
            if (entries.Any(e => e.HasNotOk))
                return RecordingResult.Fail(RecordingStatus.NotReady, $"Stage {stage.Number} ({stage.Name}) has NOT OK results; it cannot be completed until they are corrected.");
            if (record is null || !StatusRules.IsEveryCheckComplete(stage, entries))
                return RecordingResult.Fail(RecordingStatus.NotReady, MissingMessage(stage, entries));
            if (security.CurrentValue.RequireSecondPersonSignOff && await RecordedOnlyByAsync(db, pack.PackId, stage.Number, actor, ct))
                return RecordingResult.Fail(RecordingStatus.SecondPersonRequired,
                    $"{actor.User} recorded every result of stage {stage.Number} ({stage.Name}) and cannot also sign it off: another QC inspector or supervisor signs it off.");

            record.CompletedUtc = now;
            record.UpdatedUtc = now;
            record.Version++;
            var previousInspector = record.QcInspector;
            record.QcInspector = Truncate(actor.User, MaxTextLength);
            record.SignedOffBy = actor.Login;
            record.SignOffMeaning = SignOffMeaning;
            Restate(pack, record, stage, now);
            db.AuditLog.Add(actor.Audit(now, pack.PackId, "Complete", "End date", stage: stage.Number, newValue: now.ToString("O")));
            db.AuditLog.Add(actor.Audit(now, pack.PackId, "Complete", "QC inspector", stage: stage.Number, oldValue: previousInspector, newValue: record.QcInspector));
            db.AuditLog.Add(actor.Audit(now, pack.PackId, "Complete", "Signature", stage: stage.Number, newValue: $"{SignOffMeaning}: {SignOffStatement(pack.PackId, stage)}"));
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
        packId = PackIdentifier.Canonical(packId);
        var stage = route.FindStage(stageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {stageNumber}.");
        if (string.IsNullOrWhiteSpace(reason)) return RecordingResult.Fail(RecordingStatus.Invalid, "Give a reason for reopening a completed stage.");
        if (reason.Length > MaxReasonLength) return RecordingResult.Fail(RecordingStatus.Invalid, $"The reason is longer than {MaxReasonLength} characters.");
        var now = Now();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        var result = await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            // Same transaction and pack lock as save and complete: the pack's status is recomputed from all its stages.
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockPackAsync(db, packId, ct);
            var pack = await LoadPackForWriteAsync(db, packId, stage.Number, ct);
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {EchoedInput.Display(packId, PackIdentifier.MaxLength)} is not registered.");
            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            if (record?.CompletedUtc is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"Stage {stage.Number} ({stage.Name}) is not completed; there is nothing to reopen.");
            var old = record.CompletedUtc.Value.ToString("O");
            record.CompletedUtc = null;
            record.SignedOffBy = null;
            record.SignOffMeaning = null;
            record.UpdatedUtc = now;
            record.Version++;
            Restate(pack, record, stage, now);
            db.AuditLog.Add(actor.Audit(now, pack.PackId, "Reopen", "End date", stage: stage.Number, oldValue: old, reason: Clean(reason)));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return RecordingResult.Done(ToView(pack.PackId, stage, record), $"Stage {stage.Number} ({stage.Name}) reopened for correction.");
        });
        if (!result.Succeeded) return result;
        await feed.PublishAsync(new PackChange(PackChangeKind.Reopened, packId, stage.Number, now));
        return result;
    }

    /// <summary>The fields of a stage (check code or null, field name) that were saved after the baseline a client read.
    /// The audit log holds one row per changed field with its time, so no extra column is needed.</summary>
    private static async Task<HashSet<(string?, string)>> FieldsChangedSinceAsync(MesDbContext db, string packId, int stageNumber,
        StageRecord record, StageBaseline? since, CancellationToken ct)
    {
        if (since is null || record.Id == 0 || since.Version == record.Version) return [];
        var after = since.UpdatedUtc ?? DateTime.UnixEpoch;
        var rows = await db.AuditLog.AsNoTracking()
            .Where(a => a.PackId == packId && a.StageNumber == stageNumber && a.Action == "Save" && a.AtUtc > after)
            .Select(a => new { a.CheckCode, a.Field })
            .ToListAsync(ct);
        return rows.Select(r => (r.CheckCode, r.Field)).ToHashSet();
    }

    private static string ConflictMessage(IReadOnlyList<FieldConflict> conflicts, bool savedOthers) =>
        (savedOthers ? "Saved the fields nobody else changed. " : NothingSavedPrefix + ": ")
        + (conflicts.Count == 1 ? "1 field was" : $"{conflicts.Count} fields were")
        + " changed by someone else after you opened this stage. Compare the values and choose which to keep.";

    /// <summary>The pack (tracked) with every stage record's stored status, and the check results of the one stage
    /// being written. A pack's other stages can hold a hundred and more result rows; the pack status needs only their
    /// stored statuses (<see cref="Restate"/>), and blocking reads results only where a NOT OK is stored.</summary>
    private static async Task<Pack?> LoadPackForWriteAsync(MesDbContext db, string packId, int stageNumber, CancellationToken ct)
    {
        var pack = await db.Packs.Include(p => p.Stages).FirstOrDefaultAsync(p => p.PackId == packId, ct);
        var record = pack?.Stages.FirstOrDefault(s => s.StageNumber == stageNumber);
        // Tracked, so the results attach to record.Results.
        if (record is not null) await db.CheckResults.Where(r => r.StageRecordId == record.Id).LoadAsync(ct);
        return pack;
    }

    /// <summary>The earlier stage and check that block <paramref name="stageNumber"/>, decided by <see cref="StatusRules.BlockerFor"/>.
    /// Only earlier stages whose stored NOT OK count (or status) says they hold a NOT OK can block, so only their
    /// results are read; a pack without a NOT OK costs no query.</summary>
    private async Task<Blocker?> BlockerForAsync(MesDbContext db, Pack pack, int stageNumber, CancellationToken ct)
    {
        var suspects = pack.Stages
            .Where(s => s.StageNumber < stageNumber && (s.NotOkCount > 0 || s.Status == StageStatus.QcNotOk))
            .ToDictionary(s => s.Id, s => s.StageNumber);
        if (suspects.Count == 0) return null;
        var ids = suspects.Keys.ToList();
        var rows = await db.CheckResults.AsNoTracking().Where(r => ids.Contains(r.StageRecordId)).ToListAsync(ct);
        var entries = rows.GroupBy(r => suspects[r.StageRecordId])
            .ToDictionary(g => g.Key, g => (IReadOnlyCollection<CheckEntry>)g.Select(r => r.ToEntry()).ToList());
        return StatusRules.BlockerFor(route, stageNumber, entries);
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
        return ValidateText("Remarks", save.Remarks, MaxRemarksLength);
    }

    private static string? ValidateText(string label, string? value, int max) =>
        value is not null && value.Length > max ? $"{label} is longer than {max} characters." : null;

    private static string? ValidateSerial(string label, string? value) =>
        value is null ? null
        : value.Length > MaxSerialLength ? $"{label} is longer than {MaxSerialLength} characters."
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
            r.Technician, r.QcInspector, r.Remarks, r.StartedUtc, r.CompletedUtc, r.UpdatedUtc, r.Version, r.SignedOffBy);

    private static void SetDeviation(CheckResult row, Module module, string? reason)
    {
        if (module == Module.X) row.DeviationX = reason; else row.DeviationY = reason;
    }

    /// <summary>What the sign-off records the signer as meaning.</summary>
    public const string SignOffMeaning = "Approved";

    /// <summary>The statement a QC inspector signs: "I have reviewed stage 3 (...) of pack BP-2026-0001 and approve it."</summary>
    public static string SignOffStatement(string packId, RouteStage stage) =>
        $"I have reviewed stage {stage.Number} ({stage.Name}) of pack {packId} and approve it.";

    /// <summary>True when every save of the stage that names a person was made by <paramref name="signer"/>.</summary>
    private static async Task<bool> RecordedOnlyByAsync(MesDbContext db, string packId, int stage, Actor signer, CancellationToken ct)
    {
        var recorders = await db.AuditLog.AsNoTracking()
            .Where(a => a.PackId == packId && a.StageNumber == stage && a.Action == "Save" && a.User != null)
            .Select(a => new { a.UserLogin, a.User }).Distinct().ToListAsync(ct);
        return recorders.Count > 0 && recorders.All(r => r.UserLogin is not null && string.Equals(r.UserLogin, signer.Login, StringComparison.OrdinalIgnoreCase));
    }

    private async Task<bool> PackExistsAsync(string packId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Packs.AnyAsync(p => p.PackId == packId, ct);
    }

    private static string? Clean(string? s)
    {
        if (s is null) return null;
        var cleaned = new string(s.Where(c => !char.IsControl(c) || c == '\n' || c == '\t').ToArray()).Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    /// <summary>The time of a change, in whole microseconds: PostgreSQL keeps no finer time, and the stage's ETag
    /// (version and time) answered by a save must be the one every later read computes from the database.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private static string? Format(double? v) => v?.ToString("0.######", CultureInfo.InvariantCulture);
    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "...";
}
