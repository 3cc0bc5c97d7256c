using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The snapshot taken before a schema upgrade, for both providers, kept apart from the rotation.</summary>
public sealed class PreMigrationSnapshot(BackupService backups, DatabaseTarget target, ILogger<PreMigrationSnapshot> log) : IPreMigrationBackup
{
    public async Task<string?> BackupBeforeMigrationAsync(string fromMigration, CancellationToken cancellationToken)
    {
        if (target.SqliteFile is { } file && !File.Exists(file)) return null;
        var result = await backups.CreateAsync(BackupTrigger.PreMigration, 0, cancellationToken);
        if (result.Succeeded) return result.Entry!.FilePath;
        if (target.Provider == DatabaseProvider.Sqlite)
            throw new InvalidOperationException($"The backup before the schema upgrade failed, so the upgrade was not started: {result.Message}");
        // PostgreSQL: the export reads through the new model, which an old schema may not match; the DBA's pg_dump covers this.
        log.LogWarning("No portable snapshot before the PostgreSQL schema upgrade from {FromMigration}: {Problem}. Take a pg_dump first (see the deployment guide).",
            fromMigration, result.Message);
        return null;
    }
}
