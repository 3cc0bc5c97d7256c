using BatteryMes.Web.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace BatteryMes.Web.Data;

/// <summary>The database was written by a newer version of Battery MES than this one.</summary>
public sealed class DatabaseTooNewException(string message) : Exception(message);

/// <summary>The SQLite database file cannot be written (permissions, the immutable attribute, a read-only mount) and
/// start-up needs to write to it.</summary>
public sealed class DatabaseReadOnlyException(string message) : Exception(message);

/// <summary>Takes a copy of the database before a schema migration changes it.</summary>
public interface IPreMigrationBackup
{
    /// <summary>Returns the path of the copy, or null where the provider cannot copy (the log says what to do).</summary>
    Task<string?> BackupBeforeMigrationAsync(string fromMigration, CancellationToken cancellationToken);
}

/// <summary>Brings the schema up to date at start-up: refuses a database from a newer version, backs up an existing
/// database before migrating it, applies the provider's migrations, and turns on SQLite's WAL journal.</summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<MesDbContext> contexts,
    DatabaseTarget target,
    IPreMigrationBackup backup,
    ILogger<DatabaseInitializer> log)
{
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (target.SqliteFile is { } file && Path.GetDirectoryName(file) is { Length: > 0 } folder)
            Directory.CreateDirectory(folder);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var known = db.Database.GetMigrations().ToList();
        // Ask whether the history table exists first: on a new PostgreSQL database, reading it directly logs a
        // failed command that looks alarming in the journal although nothing is wrong.
        var history = db.GetService<IHistoryRepository>();
        var applied = await history.ExistsAsync(cancellationToken)
            ? (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList()
            : [];
        var unknown = applied.Except(known).ToList();
        if (unknown.Count > 0)
            throw new DatabaseTooNewException(
                $"The database was upgraded by a newer version of Battery MES (schema {unknown[^1]}); this version knows schemas up to {known.LastOrDefault()}. " +
                "Install the newer version again, or restore a backup taken before the upgrade (see VM_DEPLOYMENT_GUIDE.md, 'Restoring a backup').");

        var pending = known.Except(applied).ToList();
        if (target.SqliteFile is { } sqliteFile)
            await RefuseReadOnlyFileAsync(db, sqliteFile, applied, pending, cancellationToken);
        if (pending.Count > 0 && applied.Count > 0)
        {
            var copy = await backup.BackupBeforeMigrationAsync(applied[^1], cancellationToken);
            log.LogWarning("Upgrading the database schema from {FromMigration} to {ToMigration}; the old database was copied to {BackupPath}",
                applied[^1], pending[^1], copy ?? "(no copy: see the deployment guide for pg_dump)");
        }
        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken);
            log.LogInformation("Database schema is at {Migration} ({Count} migration(s) applied)", known[^1], pending.Count);
        }

        if (target.Provider == DatabaseProvider.Sqlite)
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }

    /// <summary>A read-only file is found before anything is written (not even the copy before an upgrade). When
    /// start-up has to write (a schema upgrade, the switch to WAL), it stops with what is wrong and how to fix it.
    /// Otherwise the app starts: pages, reports and backups read as usual and each save is refused in plain words
    /// until the file is writable again (the same as when the file turns read-only while the app runs), which keeps
    /// the plant able to look up its packs.</summary>
    private async Task RefuseReadOnlyFileAsync(MesDbContext db, string file, List<string> applied, List<string> pending, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        bool readOnly;
        string? journal;
        try
        {
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            readOnly = SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1;
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            journal = await command.ExecuteScalarAsync(ct) as string;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        if (!readOnly) return;

        string? work = pending.Count > 0
            ? applied.Count > 0 ? $"upgrade its schema from {applied[^1]} to {pending[^1]}" : "create its tables"
            : !string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase) ? "switch it to the WAL journal (saves while others read)" : null;
        if (work is null)
        {
            log.LogWarning("The database file {DatabaseFile} is read-only: pages, reports and backups work, saves are refused until the file is writable again",
                file);
            return;
        }
        log.LogCritical("The database file {DatabaseFile} is read-only; Battery MES needs to {StartupWork} and stops. Nothing was changed", file, work);
        throw new DatabaseReadOnlyException(
            $"The database file {file} is read-only, so Battery MES cannot {work} and has not started. Nothing was changed. " +
            "Make the file (and its folder) writable for the account the service runs as, then start Battery MES again: " +
            "look at it with `ls -l` and `lsattr`, and fix it with `chmod u+w` or `chown`, `chattr -i`, or by mounting the disk read-write " +
            "(on Windows, clear the file's Read-only attribute).");
    }
}

/// <summary>SQLite: an online backup (consistent while others write) into the backup folder, checked with
/// integrity_check. PostgreSQL: the backup feature replaces this with a portable snapshot.</summary>
public sealed class SqlitePreMigrationBackup(DatabaseTarget target, AppHome home, Microsoft.Extensions.Options.IOptions<FolderOptions> folders, TimeProvider time) : IPreMigrationBackup
{
    public Task<string?> BackupBeforeMigrationAsync(string fromMigration, CancellationToken cancellationToken)
    {
        if (target.SqliteFile is not { } file || !File.Exists(file)) return Task.FromResult<string?>(null);
        var folder = home.Resolve(folders.Value.Backups);
        Directory.CreateDirectory(folder);
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'");
        var path = Path.Combine(folder, $"battery_mes_{stamp}_pre-migration.db");
        using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
        using (var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            source.Open();
            destination.Open();
            source.BackupDatabase(destination);
            using var check = destination.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            var verdict = check.ExecuteScalar() as string;
            if (verdict != "ok")
                throw new InvalidOperationException($"The backup taken before the schema upgrade ({path}) failed its integrity check ({verdict}); the upgrade was not started.");
        }
        return Task.FromResult<string?>(path);
    }
}

/// <summary>Runs <see cref="DatabaseInitializer"/> when the host starts, before the web server takes requests.</summary>
internal sealed class DatabaseStartup(DatabaseInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
