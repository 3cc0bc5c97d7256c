using System.Data;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Backups;

/// <summary>Copies every row of the app's tables from one database to another, keeping ids, in batches:
/// PostgreSQL to a portable SQLite snapshot, and a snapshot back into PostgreSQL.</summary>
internal static class RowCopy
{
    private const int BatchSize = 2000;

    /// <summary>Parents before children, so foreign keys hold at every step.</summary>
    public static async Task CopyAllAsync(MesDbContext source, MesDbContext target, CancellationToken ct)
    {
        await CopyAsync<Pack>(source, target, ct);
        await CopyAsync<StageRecord>(source, target, ct);
        await CopyAsync<CheckResult>(source, target, ct);
        await CopyAsync<AuditEntry>(source, target, ct);
        await CopyAsync<ProductionTarget>(source, target, ct);
        await CopyAsync<IssuedLabel>(source, target, ct);
    }

    private static async Task CopyAsync<T>(MesDbContext source, MesDbContext target, CancellationToken ct) where T : class
    {
        var last = long.MinValue;
        while (true)
        {
            var batch = await source.Set<T>().AsNoTracking()
                .Where(e => EF.Property<long>(e, "Id") > last)
                .OrderBy(e => EF.Property<long>(e, "Id"))
                .Take(BatchSize)
                .ToListAsync(ct);
            if (batch.Count == 0) return;
            target.Set<T>().AddRange(batch);
            await target.SaveChangesAsync(ct);
            target.ChangeTracker.Clear();
            last = (long)source.Entry(batch[^1]).Property("Id").CurrentValue!;
            if (batch.Count < BatchSize) return;
        }
    }

    /// <summary>Exports a PostgreSQL database into a new SQLite file with the app's SQLite schema, from one
    /// consistent (repeatable read) view of the source.</summary>
    public static async Task ExportToSqliteAsync(IDbContextFactory<MesDbContext> live, string destination, CancellationToken ct)
    {
        await using (var target = SnapshotFile.OpenContext(SnapshotFile.ConnectionString(destination)))
        {
            await target.Database.MigrateAsync(ct);
            await using var source = await live.CreateDbContextAsync(ct);
            var strategy = source.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async () =>
            {
                source.ChangeTracker.Clear();
                target.ChangeTracker.Clear();
                await using var readTx = await source.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
                await using var writeTx = await target.Database.BeginTransactionAsync(ct);
                await target.Database.ExecuteSqlRawAsync("DELETE FROM \"IssuedLabels\"; DELETE FROM \"ProductionTargets\"; DELETE FROM \"AuditLog\"; DELETE FROM \"CheckResults\"; DELETE FROM \"StageRecords\"; DELETE FROM \"Packs\";", ct);
                await CopyAllAsync(source, target, ct);
                await writeTx.CommitAsync(ct);
                await readTx.CommitAsync(ct);
            });
        }
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(SnapshotFile.ConnectionString(destination));
        connection.Open();
        SnapshotFile.Execute(connection, "PRAGMA journal_mode=DELETE;");
    }

    /// <summary>Replaces every row of a PostgreSQL database with the rows of a verified snapshot, in one transaction
    /// (TRUNCATE takes an exclusive lock: saves wait for the restore, then see the restored data).</summary>
    public static async Task ReplaceInPostgresAsync(IDbContextFactory<MesDbContext> live, string snapshotFile, CancellationToken ct)
    {
        await using var source = SnapshotFile.OpenContext(SnapshotFile.ConnectionString(snapshotFile, Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly));
        await using var target = await live.CreateDbContextAsync(ct);
        var tables = new[] { "Packs", "StageRecords", "CheckResults", "AuditLog", "ProductionTargets", "IssuedLabels" };
        var strategy = target.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            target.ChangeTracker.Clear();
            await using var tx = await target.Database.BeginTransactionAsync(ct);
            // Table names are the app's own constants, never input.
            var truncate = $"TRUNCATE {string.Join(", ", tables.Select(t => $"\"{t}\""))} RESTART IDENTITY CASCADE;";
            await target.Database.ExecuteSqlRawAsync(truncate, ct);
            await CopyAllAsync(source, target, ct);
            foreach (var table in tables)
            {
                // Ids were copied as they were: move each identity past the highest one.
                var resetIdentity = $"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'Id'), COALESCE((SELECT MAX(\"Id\") FROM \"{table}\"), 0) + 1, false);";
                await target.Database.ExecuteSqlRawAsync(resetIdentity, ct);
            }
            await tx.CommitAsync(ct);
        });
    }
}
