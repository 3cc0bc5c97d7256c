using System.Globalization;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BatteryMes.Benchmarks.SaveAb;

// A stage save through EF Core's change tracker (entities loaded, changed and saved row by row), the baseline that
// `save-ab` times the set-based PackRecorder against in one process. Its technician is the saving person, as in
// PackRecorder. Not product code: nothing but the save-ab command uses it.
#pragma warning disable CA1822
public sealed class LegacyStageSave(
    IDbContextFactory<MesDbContext> contexts,
    ProcessRoute route,
    PackChangeFeed feed,
    TimeProvider time,
    ILogger<PackRecorder> log)
{
    public const int MaxTextLength = 100;
    public const int MaxRemarksLength = 2000;
    private const string NothingChanged = "Nothing changed: the stage already holds these values.";
    private const string NothingSavedPrefix = "Nothing was saved";

    public async Task<RecordingResult> SaveStageAsync(StageSave save, Actor actor, CancellationToken ct = default)
    {
        var stage = route.FindStage(save.StageNumber);
        if (stage is null) return RecordingResult.Fail(RecordingStatus.Invalid, $"There is no stage {save.StageNumber}; the route has stages 1 to {route.StageCount}.");
        if (ValidateSave(save, stage) is { } invalid) return RecordingResult.Fail(RecordingStatus.Invalid, invalid);

        var now = time.GetUtcNow().UtcDateTime;
        SaveSections.Start();
        await using var db = await contexts.CreateDbContextAsync(ct);
        SaveSections.Mark("context");
        var strategy = db.Database.CreateExecutionStrategy();
        var committed = false;
        var result = await strategy.ExecuteAsync(async () =>
        {
            committed = false;
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            SaveSections.Mark("begin");
            await LockPackAsync(db, save.PackId, ct);
            var pack = await LoadPackForWriteAsync(db, save.PackId, stage.Number, ct);
            SaveSections.Mark("load");
            if (pack is null) return RecordingResult.Fail(RecordingStatus.NotFound, $"Pack {save.PackId} is not registered. Create it first.");

            var blocker = await BlockerForAsync(db, pack, stage.Number, ct);
            SaveSections.Mark("blocking");
            if (blocker is not null) return RecordingResult.Fail(RecordingStatus.Blocked, blocker.Describe(), blocker);

            var record = pack.Stages.FirstOrDefault(s => s.StageNumber == stage.Number);
            if (record is null)
            {
                record = new StageRecord { StageNumber = stage.Number, UpdatedUtc = now, Pack = pack };
                pack.Stages.Add(record);
            }

            var storedView = record.Id != 0 ? ToView(pack.PackId, stage, record) : EmptyStage(pack.PackId, stage);
            var changedSince = await FieldsChangedSinceAsync(db, pack.PackId, stage.Number, record, save.Since, ct);
            var conflicts = new List<FieldConflict>();
            var changes = new List<AuditEntry>();
            // True when the save wants a different value for this field and nobody else changed it since the baseline.
            bool MayChange(string? code, string field, string? stored, string? wanted)
            {
                if (string.Equals(stored ?? "", wanted ?? "", StringComparison.Ordinal)) return false;
                if (changedSince.Contains((code, field)))
                {
                    conflicts.Add(new FieldConflict(code, field, wanted, stored));
                    return false;
                }
                changes.Add(Audit(now, pack.PackId, stage.Number, code, "Save", field, stored, wanted, actor, null));
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
                if (before.Equals(row.ToEntry())) continue;
                row.UpdatedUtc = now;
                if (row.Id == 0 && !record.Results.Contains(row)) record.Results.Add(row);
            }
            if (save.Remarks is not null && MayChange(null, "Remarks", record.Remarks, Clean(save.Remarks))) record.Remarks = Clean(save.Remarks);

            SaveSections.Mark("merge");
            if (conflicts.Count > 0 && save.OnConflict == ConflictHandling.RejectAll)
                return new RecordingResult(RecordingStatus.Conflict, ConflictMessage(conflicts, savedOthers: false), storedView, null, conflicts);
            if (changes.Count == 0)
                return conflicts.Count > 0
                    ? RecordingResult.Done(storedView, ConflictMessage(conflicts, savedOthers: false), conflicts)
                    : RecordingResult.Done(storedView, NothingChanged);
            var technician = Truncate(Clean(actor.User), MaxTextLength);
            if (technician is not null && technician != record.Technician)
            {
                changes.Add(Audit(now, pack.PackId, stage.Number, null, "Save", "Technician", record.Technician, technician, actor, null));
                record.Technician = technician;
            }

            record.StartedUtc ??= now;
            record.UpdatedUtc = now;
            record.Version++;
            Restate(pack, record, stage, now);
            SaveSections.Mark("status");
            db.AuditLog.AddRange(changes);
            SaveSections.Mark("audit");
            await db.SaveChangesAsync(ct);
            SaveSections.Mark("savechanges");
            await tx.CommitAsync(ct);
            SaveSections.Mark("commit");
            committed = true;
            var message = conflicts.Count > 0 ? ConflictMessage(conflicts, savedOthers: true) : SavedMessage(stage, record);
            return RecordingResult.Done(ToView(pack.PackId, stage, record), message, conflicts);
        });

        if (committed)
        {
            log.LogInformation("Pack {PackId} stage {Stage} saved by {User}", save.PackId, stage.Number, actor.User);
            await feed.PublishAsync(new PackChange(PackChangeKind.Saved, save.PackId, stage.Number, now));
        }
        SaveSections.Mark("publish");
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
        UserLogin = Truncate(actor.Login, 64),
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
