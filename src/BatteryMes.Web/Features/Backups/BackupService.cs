using System.Diagnostics;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The outcome of a snapshot: the entry when one was written (check <see cref="BackupEntry.Verified"/>),
/// and a message for people either way.</summary>
public sealed record SnapshotResult(bool Succeeded, string Message, BackupEntry? Entry, TimeSpan? CopyTime = null, TimeSpan? VerifyTime = null,
    SnapshotRefusal Refusal = SnapshotRefusal.None);

/// <summary>Why a snapshot was not started (None: it was, whatever its outcome).</summary>
public enum SnapshotRefusal
{
    None,
    /// <summary>A manual backup is already running.</summary>
    Busy,
    /// <summary>It would break the free-space rule.</summary>
    NoSpace,
}

/// <summary>A snapshot copied under its final name, not yet verified.</summary>
public sealed record WrittenSnapshot(string Name, string FilePath, DateTime CreatedUtc, string Trigger, int Changes, TimeSpan CopyTime);

/// <summary>Takes, verifies, mirrors and rotates snapshots. One snapshot at a time (automatic, manual and the safety
/// copy before a restore share one lock). Keeps the last problem so the Backups tab and the API can show it.</summary>
public sealed class BackupService(
    BackupCatalog catalog,
    DatabaseTarget target,
    IDbContextFactory<MesDbContext> contexts,
    IOptionsMonitor<BackupOptions> options,
    PlantClock clock,
    TimeProvider time,
    ILogger<BackupService> log)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The last snapshot's failure (folder not writable, disk full, verification failed); null once one succeeds.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>Why the last copy to the mirror folder did not happen; null when it worked or no mirror is set.</summary>
    public string? MirrorProblem { get; private set; }

    public DateTime? LastSnapshotUtc { get; private set; }

    /// <summary>Raised after each snapshot attempt (the Backups tab refreshes its history).</summary>
    public event Action? Changed;

    public BackupCatalog Catalog => catalog;

    /// <summary>Held by a restore so no snapshot runs while the live data is being replaced.</summary>
    internal SemaphoreSlim Gate => _gate;

    public async Task<SnapshotResult> CreateAsync(string trigger, int changes = 0, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await CreateWhileHoldingGateAsync(trigger, changes, ct);
        }
        finally
        {
            _gate.Release();
            Changed?.Invoke();
        }
    }

    public const string ManualBusyMessage =
        "A backup is already running. Wait for it to finish (it shows in the history), then make another one if you still need it.";

    private int _manualRunning;

    /// <summary>True while a manual backup runs (tests wait for it instead of racing it).</summary>
    internal bool ManualRunning => Volatile.Read(ref _manualRunning) == 1;

    /// <summary>A manual backup: at most one at a time (a second one is refused at once, not queued), kept within
    /// the <see cref="BackupOptions.ManualKeep"/> quota, and refused when it would break the free-space rule.</summary>
    public async Task<SnapshotResult> CreateManualAsync(CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _manualRunning, 1, 0) != 0)
            return new SnapshotResult(false, ManualBusyMessage, null, Refusal: SnapshotRefusal.Busy);
        try
        {
            return await CreateAsync(BackupTrigger.Manual, 0, ct);
        }
        finally
        {
            Volatile.Write(ref _manualRunning, 0);
        }
    }

    internal async Task<SnapshotResult> CreateWhileHoldingGateAsync(string trigger, int changes, CancellationToken ct)
    {
        var (written, failure) = await WriteAsync(trigger, changes, ct);
        return written is null ? failure! : await VerifyAsync(written, ct);
    }

    /// <summary>First phase: the consistent copy, under its final name with a "verifying" record, so the history
    /// shows it at once. Refused beforehand when it would leave too little free space at the backup folder.</summary>
    internal async Task<(WrittenSnapshot? Written, SnapshotResult? Failure)> WriteAsync(string trigger, int changes, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var folder = catalog.FolderFor(trigger);
        var name = catalog.FileNameFor(now, trigger);
        var path = Path.Combine(folder, name);
        var partial = path + ".partial";

        if (await SpaceRefusalAsync(folder, trigger, ct) is { } refusal)
        {
            LastProblem = refusal;
            log.LogError("Snapshot ({Trigger}) not taken: too little free space at {BackupFolder}", trigger, folder);
            return (null, new SnapshotResult(false, LastProblem, null, Refusal: SnapshotRefusal.NoSpace));
        }

        var clock = Stopwatch.StartNew();
        try
        {
            RecreateIfRemoved(folder);
            if (File.Exists(partial)) File.Delete(partial);
            if (target.SqliteFile is { } liveFile)
                await Task.Run(() => SnapshotFile.CopyOnline(liveFile, partial), ct);
            else
                await RowCopy.ExportToSqliteAsync(contexts, partial, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Folder not writable, disk full, database unreachable: reported, and the saves go on regardless.
            TryDeleteDatabaseFile(partial);
            return (null, WriteFailed(trigger, folder, ex));
        }
        var copyTime = clock.Elapsed;

        // The record says "verifying" before the file gets its final name: the history (and a reader racing with this
        // snapshot) never sees a finished-looking backup without its verdict.
        try
        {
            BackupCatalog.WriteSidecar(path, new BackupSidecar(now, trigger, false, "Being verified.", [], null, target.Provider.ToString(), changes,
                Verifying: true, CopySeconds: Seconds(copyTime)));
            File.Move(partial, path, overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDeleteDatabaseFile(partial);
            TryDelete(BackupCatalog.SidecarPath(path));
            return (null, WriteFailed(trigger, folder, ex));
        }
        Changed?.Invoke();
        return (new WrittenSnapshot(name, path, now, trigger, changes, copyTime), null);
    }

    /// <summary>Second phase: flush the copy to disk, check it (<see cref="DepthFor"/>), record the verdict, then mirror
    /// and rotate. Runs off the save path like the copy; the history shows "verifying" meanwhile.</summary>
    internal async Task<SnapshotResult> VerifyAsync(WrittenSnapshot written, CancellationToken ct, SnapshotCheckDepth? depthOverride = null)
    {
        var (name, path, now, trigger, changes, copyTime) = written;
        var depth = depthOverride ?? DepthFor(trigger, now);
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.Run(() => SnapshotFile.Flush(path), ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The disk refused the data on writeback (full, or failing): the copy is not a backup; remove it.
            TryDelete(path);
            TryDelete(BackupCatalog.SidecarPath(path));
            return WriteFailed(trigger, Path.GetDirectoryName(path)!, ex);
        }
        var check = await Task.Run(() => SnapshotFile.Verify(path, depth), ct);
        var verifyTime = clock.Elapsed;
        var sidecar = new BackupSidecar(now, trigger, check.Verified, check.Problem, check.RowCounts, check.Schema, target.Provider.ToString(), changes,
            Verifying: false, check.Check, Seconds(copyTime), Seconds(verifyTime));
        try
        {
            BackupCatalog.WriteSidecar(path, sidecar);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.LogWarning(ex, "The record of snapshot {BackupName} could not be written", name);
        }
        var entry = catalog.List().FirstOrDefault(e => e.Name == name)
            ?? new BackupEntry(name, path, now, trigger, BackupTrigger.IsKeptApart(trigger), new FileInfo(path).Length, check.Verified, check.Problem,
                check.RowCounts, check.Schema, target.Provider.ToString(), false, check.Check, Seconds(copyTime), Seconds(verifyTime), changes);

        if (!check.Verified)
        {
            LastProblem = $"Backup {name} failed its check and is kept aside, flagged as not verified: {check.Problem}";
            log.LogError("Snapshot {BackupName} failed verification: {Problem}", name, check.Problem);
            return new SnapshotResult(false, LastProblem, entry, copyTime, verifyTime);
        }

        LastProblem = null;
        LastSnapshotUtc = now;
        // A snapshot left from an earlier run says nothing about today's live database: it does not count as the full check.
        if (depth == SnapshotCheckDepth.Full && depthOverride is null) _lastFullCheckUtc = now;
        log.LogInformation("Snapshot {BackupName} ({Trigger}) written in {CopySeconds:0.00} s and verified ({Check}) in {VerifySeconds:0.00} s: {Packs} packs, {Bytes} bytes",
            name, trigger, copyTime.TotalSeconds, check.Check, verifyTime.TotalSeconds, check.RowCounts.GetValueOrDefault("Packs"), entry.SizeBytes);
        Mirror(path);
        if (!entry.KeptApart || trigger == BackupTrigger.Manual) Rotate();
        return new SnapshotResult(true, $"Backup {name} created and verified ({Describe(check.RowCounts)}).", entry, copyTime, verifyTime);
    }

    /// <summary>After a crash or a kill between the copy and its check, a snapshot keeps its "verifying" record. At
    /// start-up each such snapshot from an earlier run is checked now (the full check), so the history never shows a
    /// permanent "Verifying": it ends verified, or flagged not verified and reported like any failed check. Unfinished
    /// copies (<c>.partial</c>) and records without their file, left by a stop in the middle of a copy, are removed.
    /// Only files from before <paramref name="startedUtc"/> are touched: a snapshot this run is writing is not.</summary>
    public async Task<IReadOnlyList<SnapshotResult>> FinishInterruptedAsync(DateTime startedUtc, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        var results = new List<SnapshotResult>();
        try
        {
            RemoveUnfinishedCopies(startedUtc);
            foreach (var entry in catalog.List().Where(e => e.Verifying && e.CreatedUtc < startedUtc).OrderBy(e => e.CreatedUtc))
            {
                log.LogWarning("Snapshot {BackupName} was left unverified when Battery MES last stopped; checking it now", entry.Name);
                var copyTime = TimeSpan.FromSeconds(entry.CopySeconds ?? 0);
                results.Add(await VerifyAsync(new WrittenSnapshot(entry.Name, entry.FilePath, entry.CreatedUtc, entry.Trigger, entry.Changes, copyTime), ct,
                    SnapshotCheckDepth.Full));
            }
            return results;
        }
        finally
        {
            _gate.Release();
            if (results.Count > 0) Changed?.Invoke();
        }
    }

    private void RemoveUnfinishedCopies(DateTime startedUtc)
    {
        foreach (var folder in new[] { catalog.Folder, catalog.ManualFolder }.Where(Directory.Exists))
        {
            string[] leftovers;
            try
            {
                leftovers = Directory.GetFiles(folder, BackupCatalog.Prefix + "*.db.partial*")
                    .Concat(Directory.GetFiles(folder, BackupCatalog.Prefix + "*.db.json").Where(s => !File.Exists(s[..^".json".Length])))
                    .ToArray();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.LogWarning(ex, "The backup folder {BackupFolder} could not be read for unfinished copies", folder);
                continue;
            }
            foreach (var leftover in leftovers.Where(f => File.GetLastWriteTimeUtc(f) < startedUtc))
            {
                log.LogWarning("Removing {File}, left unfinished when Battery MES last stopped during a snapshot", leftover);
                TryDelete(leftover);
            }
        }
    }

    /// <summary>The full integrity_check compares every index with its table, which takes most of the time at
    /// 100,000 packs; quick_check checks the structure of every page without that comparison. Manual, safety and
    /// pre-migration backups, the first automatic snapshot after start and one at least every FullCheckHours get the
    /// full check; the automatic snapshots in between get quick_check (README, Backups, has the measurements).</summary>
    internal SnapshotCheckDepth DepthFor(string trigger, DateTime nowUtc)
    {
        var hours = options.CurrentValue.FullCheckHours;
        if (hours == 0 || BackupTrigger.IsKeptApart(trigger) || _lastFullCheckUtc is not { } last || nowUtc - last >= TimeSpan.FromHours(hours))
            return SnapshotCheckDepth.Full;
        return SnapshotCheckDepth.Quick;
    }

    private DateTime? _lastFullCheckUtc;

    /// <summary>Counts as a full check done at that time (the benchmark measures quick_check on its own with it).</summary>
    internal void NoteFullCheck(DateTime utc) => _lastFullCheckUtc = utc;

    /// <summary>Folders this run has written snapshots to: one of them missing later was removed while the app ran.</summary>
    private readonly HashSet<string> _foldersInUse = new(StringComparer.Ordinal);

    /// <summary>Set when the backup folder disappeared while the app was running and was created again.</summary>
    public string? FolderNotice { get; private set; }

    private void RecreateIfRemoved(string folder)
    {
        if (!Directory.Exists(folder) && _foldersInUse.Contains(folder))
        {
            var at = time.GetUtcNow().UtcDateTime;
            FolderNotice = $"The backup folder {folder} disappeared while Battery MES was running (deleted, or a disk unmounted) and was created again " +
                $"at {at:yyyy-MM-dd HH:mm} UTC. Backups taken before then are no longer in it: look for them in the mirror folder or on the USB copies.";
            log.LogWarning("Backup folder {BackupFolder} was missing and has been created again; earlier snapshots in it are gone", folder);
        }
        Directory.CreateDirectory(folder);
        _foldersInUse.Add(folder);
    }

    private SnapshotResult WriteFailed(string trigger, string folder, Exception ex)
    {
        // SQLite reports ENOSPC as SQLITE_FULL on some paths and as a plain I/O error on others (journal, header):
        // an I/O error with (almost) nothing left on that disk is the disk being full.
        var full = IsDiskFull(ex) || (IsSqliteIoError(ex) && FreeBytesAt(folder) is < 1024 * 1024);
        LastProblem = full
            ? $"The backup could not be written: the disk holding the backup folder {folder} is full. The unfinished file was removed; the live database " +
              "is not affected and saves keep working. Free space there (move old backups to a USB disk) and the next save makes a new snapshot."
            : $"The backup could not be written to {folder}: {ex.Message} Saves keep working; check that the folder exists, is writable and has free space (setting {FolderOptions.Section}:Backups).";
        log.LogError(ex, "Snapshot ({Trigger}) could not be written to {BackupFolder}", trigger, folder);
        return new SnapshotResult(false, LastProblem, null);
    }

    /// <summary>ENOSPC as SQLite reports it (SQLITE_FULL) or as an I/O error from the file system, possibly wrapped.</summary>
    internal static bool IsDiskFull(Exception? ex)
    {
        const int sqliteFull = 13, enospc = 28;
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SqliteException { SqliteErrorCode: sqliteFull }) return true;
            if (ex is IOException io && (io.HResult == enospc || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase))) return true;
        }
        return false;
    }

    private static bool IsSqliteIoError(Exception? ex)
    {
        const int sqliteIoError = 10;
        for (; ex is not null; ex = ex.InnerException)
            if (ex is SqliteException { SqliteErrorCode: sqliteIoError }) return true;
        return false;
    }

    /// <summary>A snapshot is about as large as the live database: refuse it when it would eat into the margin. A
    /// manual backup keeps the larger of the two margins (MinimumFreeMegabytes, LowDiskWarningMegabytes) free, so
    /// manual backups can never use up the space the automatic snapshots need.</summary>
    private async Task<string?> SpaceRefusalAsync(string folder, string trigger, CancellationToken ct)
    {
        var current = options.CurrentValue;
        var manual = trigger == BackupTrigger.Manual;
        var margin = manual ? Math.Max(current.MinimumFreeMegabytes, current.LowDiskWarningMegabytes) : current.MinimumFreeMegabytes;
        if (margin == 0) return null;
        if (FreeBytesAt(folder) is not { } free || await LiveDatabaseBytesAsync(ct) is not { } needed) return null;
        if (free - needed >= margin * 1024L * 1024L) return null;
        var rule = manual
            ? $"the {margin} MB kept free for the automatic snapshots (the larger of {BackupOptions.Section}:MinimumFreeMegabytes and {BackupOptions.Section}:LowDiskWarningMegabytes)"
            : $"the {margin} MB kept free (setting {BackupOptions.Section}:MinimumFreeMegabytes)";
        var next = manual ? "then try again" : "the next save makes a new snapshot";
        return $"No backup was taken: it needs about {BackupFormat.Size(needed)} and the backup folder {folder} has {BackupFormat.Size(free)} free, " +
            $"which would leave less than {rule}. Saves keep working. " +
            $"Free space there (move old backups to a USB disk, or lower the retention settings under {BackupOptions.Section}) and {next}.";
    }

    private static long? FreeBytesAt(string folder)
    {
        try
        {
            var probe = folder;
            while (!Directory.Exists(probe) && Path.GetDirectoryName(probe) is { } parent) probe = parent;
            return new DriveInfo(probe).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<long?> LiveDatabaseBytesAsync(CancellationToken ct)
    {
        try
        {
            if (target.SqliteFile is { } file)
                return new[] { file, file + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
            await using var db = await contexts.CreateDbContextAsync(ct);
            return await db.Database.SqlQueryRaw<long>("SELECT pg_database_size(current_database()) AS \"Value\"").SingleAsync(ct);
        }
        catch (Exception ex) when (ex is IOException or System.Data.Common.DbException or InvalidOperationException)
        {
            log.LogWarning(ex, "The size of the live database could not be read");
            return null;
        }
    }

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 3);

    /// <summary>The retention plan with the current settings, the plant's time zone and the app's clock.</summary>
    public RetentionPlan Plan => new(RetentionSettings.From(options.CurrentValue), clock.Zone, time);

    /// <summary>Applies the <see cref="RetentionPlan"/> to the automatic snapshots (and their mirror copies), then the
    /// manual quota. The plan never removes the newest verified snapshot, nor the newest verified one of a slot.</summary>
    internal void Rotate()
    {
        var listed = catalog.List();
        var decision = Plan.Decide(listed.Where(e => !e.KeptApart).Select(RetainedSnapshot.From));
        foreach (var old in decision.Removed) Remove(old.Name, Path.Combine(catalog.Folder, old.Name), "rotation");
        RotateManual(listed);
    }

    /// <summary>Keeps the newest <see cref="BackupOptions.ManualKeep"/> manual backups, oldest removed first; one goes
    /// only when a newer verified manual backup exists. Safety and pre-migration copies are not counted.</summary>
    private void RotateManual(IReadOnlyList<BackupEntry> listed)
    {
        var manual = listed.Where(e => e.Trigger == BackupTrigger.Manual && e.KeptApart).ToList();
        var newestVerified = manual.FirstOrDefault(e => e.Verified);
        if (newestVerified is null) return;
        foreach (var old in manual.Skip(options.CurrentValue.ManualKeep).Where(e => e.CreatedUtc < newestVerified.CreatedUtc && !e.Verifying))
            Remove(old.Name, old.FilePath, "the manual backup quota");
    }

    private void Remove(string name, string path, string why)
    {
        TryDelete(path);
        TryDelete(BackupCatalog.SidecarPath(path));
        if (MirrorFolder() is { } mirror)
        {
            TryDelete(Path.Combine(mirror, name));
            TryDelete(Path.Combine(mirror, name + ".json"));
        }
        log.LogInformation("Snapshot {BackupName} removed by {Rule}", name, why);
    }

    private string? MirrorFolder()
    {
        var mirror = options.CurrentValue.MirrorFolder;
        return string.IsNullOrWhiteSpace(mirror) ? null : catalog.ResolveMirror(mirror);
    }

    private void Mirror(string path)
    {
        if (MirrorFolder() is not { } mirror)
        {
            MirrorProblem = null;
            return;
        }
        // A missing mirror is reported, not created: creating it would fill the local disk when a share is unmounted.
        if (!Directory.Exists(mirror))
        {
            MirrorProblem = $"The mirror folder {mirror} is not there (unplugged disk or unmounted share?). Backups continue in the backup folder only.";
            log.LogWarning("Mirror folder {MirrorFolder} is missing; snapshot {BackupName} was not copied there", mirror, Path.GetFileName(path));
            return;
        }
        var copy = Path.Combine(mirror, Path.GetFileName(path));
        try
        {
            File.Copy(path, copy + ".partial", overwrite: true);
            File.Move(copy + ".partial", copy, overwrite: true);
            if (File.Exists(BackupCatalog.SidecarPath(path))) File.Copy(BackupCatalog.SidecarPath(path), BackupCatalog.SidecarPath(copy), overwrite: true);
            MirrorProblem = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(copy + ".partial");
            MirrorProblem = $"The copy to the mirror folder {mirror} failed: {ex.Message} Backups continue in the backup folder only.";
            log.LogWarning(ex, "Snapshot {BackupName} could not be copied to the mirror folder {MirrorFolder}", Path.GetFileName(path), mirror);
        }
    }

    /// <summary>Size of the live database, free space at the backup folder, and warnings.</summary>
    public async Task<BackupStorage> GetStorageAsync(CancellationToken ct = default)
    {
        var liveBytes = await LiveDatabaseBytesAsync(ct);
        var free = FreeBytesAt(catalog.Folder);
        string? diskWarning = null;
        var low = options.CurrentValue.LowDiskWarningMegabytes * 1024L * 1024L;
        if (free is null)
            diskWarning = $"Free disk space at the backup folder {catalog.Folder} cannot be read.";
        else if (liveBytes is { } live && options.CurrentValue.MinimumFreeMegabytes > 0 && free - live < options.CurrentValue.MinimumFreeMegabytes * 1024L * 1024L)
            diskWarning = $"The next snapshot (about {BackupFormat.Size(live)}) would leave less than {options.CurrentValue.MinimumFreeMegabytes} MB free at the backup folder, so it will not be taken. Move old backups to a USB disk or free space.";
        else if (liveBytes is { } needed && free < needed)
            diskWarning = $"The next snapshot (about {BackupFormat.Size(needed)}) does not fit in the {BackupFormat.Size(free.Value)} free at the backup folder and will fail. Move old backups to a USB disk or free space.";
        else if (free < low)
            diskWarning = $"Free disk space at the backup folder is low: {BackupFormat.Size(free.Value)} left (warning below {options.CurrentValue.LowDiskWarningMegabytes} MB). Move old backups to a USB disk or free space.";
        var listed = catalog.List();
        var plan = Plan;
        var coverage = plan.Decide(listed.Where(e => !e.KeptApart).Select(RetainedSnapshot.From)).Coverage;
        var planSnapshots = plan.Settings.MostKept + options.CurrentValue.ManualKeep;
        var planBytes = liveBytes is { } size ? size * planSnapshots : (long?)null;
        var backupBytes = listed.Sum(e => e.SizeBytes);
        string? planWarning = null;
        // The plan's files replace the ones already there, so the space it can use is what is free plus what they take.
        if (planBytes is { } need && free is { } available && need > available + backupBytes)
            planWarning = $"The backup disk cannot hold the retention plan at the current database size: up to {planSnapshots} backups of about " +
                $"{BackupFormat.Size(liveBytes!.Value)} need {BackupFormat.Size(need)}, and the backups there now ({BackupFormat.Size(backupBytes)}) plus the free space " +
                $"({BackupFormat.Size(available)}) come to {BackupFormat.Size(available + backupBytes)}. Before the disk fills, give the backup folder a larger disk or " +
                $"shorten the plan ({BackupOptions.Section}:Keep, HourlyDays, DailyDays, WeeklyWeeks, ManualKeep).";
        return new BackupStorage(catalog.Folder, MirrorFolder(), liveBytes, free, diskWarning, target.Provider)
        {
            Coverage = coverage.Describe(plan.Settings, utc => clock.Format(utc)),
            PlanSnapshots = planSnapshots,
            PlanBytes = planBytes,
            BackupBytes = backupBytes,
            PlanWarning = planWarning,
            NewestVerified = listed.FirstOrDefault(e => e.Verified),
        };
    }

    private static string Describe(IReadOnlyDictionary<string, long> counts) =>
        $"{counts.GetValueOrDefault("Packs")} packs, {counts.GetValueOrDefault("StageRecords")} stage records, {counts.GetValueOrDefault("AuditLog")} audit entries";

    /// <summary>An unfinished SQLite file and the journal files SQLite may have left beside it.</summary>
    private void TryDeleteDatabaseFile(string path)
    {
        foreach (var suffix in new[] { "", "-journal", "-wal", "-shm" }) TryDelete(path + suffix);
    }

    private void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.LogWarning(ex, "Could not delete {File}", path);
        }
    }
}

public sealed record BackupStorage(string BackupFolder, string? MirrorFolder, long? LiveDatabaseBytes, long? FreeBytes, string? DiskWarning, DatabaseProvider Provider)
{
    /// <summary>What the kept automatic snapshots let a person restore to, in plant local time.</summary>
    public string Coverage { get; init; } = "";

    /// <summary>The most backups the retention plan keeps (automatic and manual).</summary>
    public int PlanSnapshots { get; init; }

    /// <summary>The disk the plan needs at the current database size; null when that size is unknown.</summary>
    public long? PlanBytes { get; init; }

    /// <summary>What the backups in the folder take now.</summary>
    public long BackupBytes { get; init; }

    /// <summary>Set when the backup disk cannot hold the plan at the current database size.</summary>
    public string? PlanWarning { get; init; }

    /// <summary>The newest verified backup (automatic or manual); never a record file or an unverified copy.</summary>
    public BackupEntry? NewestVerified { get; init; }
}

public static class BackupFormat
{
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GB",
    };
}
