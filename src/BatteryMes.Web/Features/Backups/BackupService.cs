using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The outcome of a snapshot: the entry when one was written (check <see cref="BackupEntry.Verified"/>),
/// and a message for people either way.</summary>
public sealed record SnapshotResult(bool Succeeded, string Message, BackupEntry? Entry);

/// <summary>Takes, verifies, mirrors and rotates snapshots. One snapshot at a time (automatic, manual and the safety
/// copy before a restore share one lock). Keeps the last problem so the Backups tab and the API can show it.</summary>
public sealed class BackupService(
    BackupCatalog catalog,
    DatabaseTarget target,
    IDbContextFactory<MesDbContext> contexts,
    IOptionsMonitor<BackupOptions> options,
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

    internal async Task<SnapshotResult> CreateWhileHoldingGateAsync(string trigger, int changes, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var folder = catalog.FolderFor(trigger);
        var name = catalog.FileNameFor(now, trigger);
        var path = Path.Combine(folder, name);
        var partial = path + ".partial";
        try
        {
            Directory.CreateDirectory(folder);
            if (File.Exists(partial)) File.Delete(partial);
            if (target.SqliteFile is { } liveFile)
                await Task.Run(() => SnapshotFile.CopyOnline(liveFile, partial), ct);
            else
                await RowCopy.ExportToSqliteAsync(contexts, partial, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Folder not writable, disk full, database unreachable: reported, and the saves go on regardless.
            TryDelete(partial);
            LastProblem = $"The backup could not be written to {folder}: {ex.Message} Saves keep working; check that the folder exists, is writable and has free space (setting {FolderOptions.Section}:Backups).";
            log.LogError(ex, "Snapshot ({Trigger}) could not be written to {BackupFolder}", trigger, folder);
            return new SnapshotResult(false, LastProblem, null);
        }

        // Verify the copy and write its record before it gets its final name: the history (and a reader racing with
        // this snapshot) never sees a finished-looking backup without its verdict.
        var check = await Task.Run(() => SnapshotFile.Verify(partial), ct);
        var sidecar = new BackupSidecar(now, trigger, check.Verified, check.Problem, check.RowCounts, check.Schema, target.Provider.ToString(), changes);
        try
        {
            BackupCatalog.WriteSidecar(path, sidecar);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.LogWarning(ex, "The record of snapshot {BackupName} could not be written", name);
        }
        try
        {
            File.Move(partial, path, overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(partial);
            TryDelete(BackupCatalog.SidecarPath(path));
            LastProblem = $"The backup could not be written to {folder}: {ex.Message} Saves keep working; check that the folder exists, is writable and has free space (setting {FolderOptions.Section}:Backups).";
            log.LogError(ex, "Snapshot ({Trigger}) could not be written to {BackupFolder}", trigger, folder);
            return new SnapshotResult(false, LastProblem, null);
        }
        var entry = catalog.List().FirstOrDefault(e => e.Name == name)
            ?? new BackupEntry(name, path, now, trigger, BackupTrigger.IsKeptApart(trigger), new FileInfo(path).Length, check.Verified, check.Problem, check.RowCounts, check.Schema, target.Provider.ToString());

        if (!check.Verified)
        {
            LastProblem = $"Backup {name} failed its check and is kept aside, flagged as not verified: {check.Problem}";
            log.LogError("Snapshot {BackupName} failed verification: {Problem}", name, check.Problem);
            return new SnapshotResult(false, LastProblem, entry);
        }

        LastProblem = null;
        LastSnapshotUtc = now;
        log.LogInformation("Snapshot {BackupName} ({Trigger}) written and verified: {Packs} packs, {Bytes} bytes", name, trigger,
            check.RowCounts.GetValueOrDefault("Packs"), entry.SizeBytes);
        Mirror(path);
        if (!entry.KeptApart) Rotate();
        return new SnapshotResult(true, $"Backup {name} created and verified ({Describe(check.RowCounts)}).", entry);
    }

    /// <summary>Keeps the newest <see cref="BackupOptions.Keep"/> automatic snapshots. An older one goes only when a
    /// newer verified one exists, so a run of failed snapshots never removes the last good copy.</summary>
    internal void Rotate()
    {
        var automatic = catalog.List().Where(e => !e.KeptApart).ToList();
        var newestVerified = automatic.FirstOrDefault(e => e.Verified);
        if (newestVerified is null) return;
        foreach (var old in automatic.Skip(options.CurrentValue.Keep).Where(e => e.CreatedUtc < newestVerified.CreatedUtc && e != newestVerified))
        {
            TryDelete(old.FilePath);
            TryDelete(BackupCatalog.SidecarPath(old.FilePath));
            if (MirrorFolder() is { } mirror)
            {
                TryDelete(Path.Combine(mirror, old.Name));
                TryDelete(Path.Combine(mirror, old.Name + ".json"));
            }
            log.LogInformation("Old snapshot {BackupName} removed by rotation", old.Name);
        }
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
        long? liveBytes = null;
        try
        {
            if (target.SqliteFile is { } file)
                liveBytes = new[] { file, file + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
            else
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                liveBytes = await db.Database.SqlQueryRaw<long>("SELECT pg_database_size(current_database()) AS \"Value\"").SingleAsync(ct);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Data.Common.DbException)
        {
            log.LogWarning(ex, "The size of the live database could not be read");
        }

        long? free = null;
        string? diskWarning = null;
        try
        {
            var probe = catalog.Folder;
            while (!Directory.Exists(probe) && Path.GetDirectoryName(probe) is { } parent) probe = parent;
            free = new DriveInfo(probe).AvailableFreeSpace;
            var low = options.CurrentValue.LowDiskWarningMegabytes * 1024L * 1024L;
            if (free < low)
                diskWarning = $"Free disk space at the backup folder is low: {BackupFormat.Size(free.Value)} left (warning below {options.CurrentValue.LowDiskWarningMegabytes} MB). Move old backups to a USB disk or free space.";
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            diskWarning = $"Free disk space at the backup folder cannot be read: {ex.Message}";
        }
        return new BackupStorage(catalog.Folder, MirrorFolder(), liveBytes, free, diskWarning, target.Provider);
    }

    private static string Describe(IReadOnlyDictionary<string, long> counts) =>
        $"{counts.GetValueOrDefault("Packs")} packs, {counts.GetValueOrDefault("StageRecords")} stage records, {counts.GetValueOrDefault("AuditLog")} audit entries";

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

public sealed record BackupStorage(string BackupFolder, string? MirrorFolder, long? LiveDatabaseBytes, long? FreeBytes, string? DiskWarning, DatabaseProvider Provider);

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
