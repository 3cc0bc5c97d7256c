using BatteryMes.Web.Data;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

public enum RestoreStatus
{
    Restored,
    NotFound,
    /// <summary>The admin's password (their electronic signature) was wrong, or the person is not an admin.</summary>
    SignatureRefused,
    Busy,
    Refused,
    Failed,
}

public sealed record RestoreResult(RestoreStatus Status, string Message, string? SafetySnapshot = null)
{
    public bool Succeeded => Status == RestoreStatus.Restored;
}

/// <summary>Restores a snapshot into the live database (SQLite or PostgreSQL): checks the admin's own password (an
/// electronic signature; wrong ones count towards the lockout), verifies
/// the file before anything is touched, takes a safety snapshot of the current data, replaces the data, and tells
/// every open page to reload. One restore at a time.</summary>
public sealed class DatabaseRestorer(
    BackupService backups,
    DatabaseTarget target,
    IDbContextFactory<MesDbContext> contexts,
    Identity.Signatures signatures,
    PackChangeFeed feed,
    TimeProvider time,
    ILogger<DatabaseRestorer> log)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>Restore a listed backup, signed by an admin with their own password (web page and HTTP API).</summary>
    public async Task<RestoreResult> RestoreAsync(string name, string? login, string? password, string? client, CancellationToken ct = default)
    {
        var signature = await signatures.VerifyAsync(login, password, Domain.Capability.Administer, passwordOnly: true, ct);
        if (!signature.Accepted)
        {
            log.LogWarning("Restore of {BackupName} refused for {Login} from {Client}: {Reason}", name, login, client, signature.Message);
            return new RestoreResult(RestoreStatus.SignatureRefused, signature.Message + " Nothing was changed.");
        }
        if (backups.Catalog.Find(name) is not { } entry)
            return new RestoreResult(RestoreStatus.NotFound, $"There is no backup named '{name}'.");
        return await RestoreFileAsync(entry.FilePath, $"{signature.Signer!.FullName} ({signature.Signer.Login}) from {client ?? "this server"}", ct);
    }

    /// <summary>Restore any snapshot file (the command line, run by someone with access to the server).</summary>
    public async Task<RestoreResult> RestoreFileAsync(string file, string? user, CancellationToken ct = default)
    {
        if (!await _oneAtATime.WaitAsync(0, ct))
            return new RestoreResult(RestoreStatus.Busy, "Another restore is running right now. Wait for it to finish, then check the backup history before trying again.");
        try
        {
            return await RestoreExclusiveAsync(file, user, ct);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>True while a restore holds the one-at-a-time lock (tests wait for it instead of racing it).</summary>
    internal bool IsRunning => _oneAtATime.CurrentCount == 0;

    private async Task<RestoreResult> RestoreExclusiveAsync(string file, string? user, CancellationToken ct)
    {
        var name = Path.GetFileName(file);
        var check = await Task.Run(() => SnapshotFile.Verify(file), ct);
        if (!check.Verified)
        {
            log.LogWarning("Restore of {BackupName} refused: {Problem}", name, check.Problem);
            return new RestoreResult(RestoreStatus.Refused, $"Backup {name} was not restored: {check.Problem} The live data is unchanged.");
        }

        // Work on a private copy brought up to this version's schema: the chosen backup itself is never modified.
        Directory.CreateDirectory(backups.Catalog.Folder);
        var work = Path.Combine(backups.Catalog.Folder, $"restore-{Guid.NewGuid():N}.tmp");
        await backups.Gate.WaitAsync(ct);
        try
        {
            await Task.Run(() => SnapshotFile.CopyOnline(file, work), ct);
            await using (var upgrade = SnapshotFile.OpenContext(SnapshotFile.ConnectionString(work)))
                await upgrade.Database.MigrateAsync(ct);
            var ready = SnapshotFile.Verify(work);
            if (!ready.Verified)
                return new RestoreResult(RestoreStatus.Refused, $"Backup {name} could not be prepared for this version: {ready.Problem} The live data is unchanged.");

            // Nothing to keep when the live SQLite file is gone (the command line rebuilding a lost database).
            var nothingLive = target.SqliteFile is { } f && !File.Exists(f);
            var safety = nothingLive ? null : await backups.CreateWhileHoldingGateAsync(BackupTrigger.BeforeRestore, 0, ct);
            if (safety is { Entry: null })
                return new RestoreResult(RestoreStatus.Failed, $"No safety snapshot of the current data could be taken, so nothing was restored. {safety.Message}");
            var safetyName = safety?.Entry?.Name ?? "(none: there was no live database)";

            if (target.SqliteFile is { } liveFile)
            {
                if (!nothingLive) await Task.Run(() => KeepAccessRecords(work, liveFile), ct);
                await Task.Run(() => ReplaceSqlite(work, liveFile), ct);
            }
            else
                await RowCopy.ReplaceInPostgresAsync(contexts, work, ct);

            log.LogWarning("Database restored from {BackupName} by {User}: {Packs} packs; the data before the restore is in {SafetySnapshot}",
                name, user ?? "(command line)", ready.RowCounts.GetValueOrDefault("Packs"), safetyName);
            await feed.PublishAsync(new PackChange(PackChangeKind.DatabaseRestored, null, null, time.GetUtcNow().UtcDateTime));
            return new RestoreResult(RestoreStatus.Restored,
                $"Restored {name} ({ready.RowCounts.GetValueOrDefault("Packs")} packs). The data as it was before is kept in {safetyName}.",
                safety?.Entry?.Name);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException or System.Data.Common.DbException)
        {
            log.LogError(ex, "Restore of {BackupName} failed", name);
            return new RestoreResult(RestoreStatus.Failed, $"The restore of {name} failed: {ex.Message}");
        }
        finally
        {
            backups.Gate.Release();
            try { File.Delete(work); }
            catch (IOException) { /* a leftover temp file in the backup folder is harmless */ }
        }
    }

    /// <summary>Tables that say who may do what, not what was made: a restore brings production data back but leaves
    /// these as they are now (a person added since keeps their access, a revoked key or an old password does not come
    /// back, sign-in cookies stay valid). The PostgreSQL restore never touches them.</summary>
    internal static readonly string[] AccessTables = ["People", "ApiKeys", "DataProtectionKeys"];

    /// <summary>Copies the live database's <see cref="AccessTables"/> over the prepared copy's, in one transaction.
    /// Both are at this version's schema, so the columns are the same; they are named, never assumed in order.</summary>
    private static void KeepAccessRecords(string work, string liveFile)
    {
        using var prepared = new SqliteConnection(SnapshotFile.ConnectionString(work));
        prepared.Open();
        using (var attach = prepared.CreateCommand())
        {
            attach.CommandText = "ATTACH DATABASE $live AS live;";
            attach.Parameters.AddWithValue("$live", liveFile);
            attach.ExecuteNonQuery();
        }
        using var tx = prepared.BeginTransaction();
        // Children before parents when emptying (API keys belong to people), parents first when filling.
        foreach (var table in AccessTables.Reverse())
            Run(prepared, tx, $"DELETE FROM main.\"{table}\";");
        foreach (var table in AccessTables)
        {
            var columns = new List<string>();
            using (var info = prepared.CreateCommand())
            {
                info.Transaction = tx;
                // Table names are the app's own constants, never input.
                info.CommandText = $"SELECT name FROM pragma_table_info('{table}', 'main');";
                using var reader = info.ExecuteReader();
                while (reader.Read()) columns.Add("\"" + reader.GetString(0).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
            }
            var list = string.Join(", ", columns);
            Run(prepared, tx, $"INSERT INTO main.\"{table}\" ({list}) SELECT {list} FROM live.\"{table}\";");
        }
        tx.Commit();

        static void Run(SqliteConnection connection, SqliteTransaction tx, string sql)
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Online backup API from the prepared copy into the live file: it takes the write lock, so saves wait
    /// (busy timeout) and then see the restored data; pooled connections are dropped afterwards.</summary>
    private static void ReplaceSqlite(string work, string liveFile)
    {
        if (Path.GetDirectoryName(liveFile) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        using (var source = new SqliteConnection(SnapshotFile.ConnectionString(work, SqliteOpenMode.ReadOnly)))
        using (var live = new SqliteConnection(SnapshotFile.ConnectionString(liveFile)))
        {
            source.Open();
            live.Open();
            SnapshotFile.Execute(live, "PRAGMA busy_timeout=60000;");
            source.BackupDatabase(live);
            SnapshotFile.Execute(live, "PRAGMA journal_mode=WAL;");
        }
        SqliteConnection.ClearAllPools();
    }
}
