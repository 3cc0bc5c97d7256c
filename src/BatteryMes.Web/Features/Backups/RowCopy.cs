using System.Data;
using System.Reflection;
using System.Threading.Channels;
using BatteryMes.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace BatteryMes.Web.Features.Backups;

/// <summary>Copies every row of the app's tables from one database to another, keeping ids: PostgreSQL to a
/// portable SQLite snapshot (<see cref="ExportToSqliteAsync"/>, a bulk load), and a snapshot back into PostgreSQL.</summary>
internal static class RowCopy
{
    /// <summary>Rows per EF batch of the restore, and per hand-over from the reading to the writing thread of the export.</summary>
    private const int BatchSize = 2000;

    /// <summary>Parents before children, so foreign keys hold at every step.</summary>
    private static readonly Type[] TableOrder = [typeof(Pack), typeof(StageRecord), typeof(CheckResult), typeof(AuditEntry), typeof(ProductionTarget), typeof(IssuedLabel),
        typeof(Component), typeof(ComponentLink), typeof(ImportMapping)];

    /// <summary>Row by row through EF (used by the restore into PostgreSQL).</summary>
    public static async Task CopyAllAsync(MesDbContext source, MesDbContext target, CancellationToken ct)
    {
        await CopyAsync<Pack>(source, target, ct);
        await CopyAsync<StageRecord>(source, target, ct);
        await CopyAsync<CheckResult>(source, target, ct);
        await CopyAsync<AuditEntry>(source, target, ct);
        await CopyAsync<ProductionTarget>(source, target, ct);
        await CopyAsync<IssuedLabel>(source, target, ct);
        await CopyAsync<Component>(source, target, ct);
        await CopyAsync<ComponentLink>(source, target, ct);
        await CopyAsync<ImportMapping>(source, target, ct);
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
    /// <remarks>A bulk load rather than EF's tracked inserts (at 100,000 packs, about 10 million rows): each table is
    /// read with one streaming query and written with one prepared insert re-used for every row, in one SQLite
    /// transaction, on a second thread so reading and writing overlap. The new file has no journal and no fsync
    /// while it is filled (it is a private file: a failed export is deleted and the live database is untouched; the
    /// backup service flushes and verifies it afterwards), and its indexes are dropped during the load and built
    /// again from their own definitions at the end, which is faster than keeping them up to date row by row.
    /// Values go through the model's converters (PostgreSQL provider value, model value, SQLite provider value), so
    /// the file holds exactly what EF would have written.</remarks>
    public static async Task ExportToSqliteAsync(IDbContextFactory<MesDbContext> live, string destination, CancellationToken ct)
    {
        await using var source = await live.CreateDbContextAsync(ct);
        var strategy = source.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            // Every attempt starts from a new file: a load without a journal cannot be rolled back.
            foreach (var file in new[] { destination, destination + "-journal", destination + "-wal", destination + "-shm" })
                File.Delete(file);
            await File.WriteAllBytesAsync(destination, await EmptySchemaAsync(destination + ".schema", ct), ct);
            await using var connection = new SqliteConnection(SnapshotFile.ConnectionString(destination));
            await connection.OpenAsync(ct);
            SnapshotFile.Execute(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;");
            // The SQLite model, for table and column names and value converters (EF leaves a connection it was given open).
            await using var target = new SqliteMesDbContext(new DbContextOptionsBuilder<SqliteMesDbContext>().UseSqlite(connection).Options);
            var indexes = Indexes(connection);
            await using var write = connection.BeginTransaction();
            foreach (var (name, _) in indexes) Execute(connection, write, $"DROP INDEX {Quote(name)};");

            await source.Database.OpenConnectionAsync(ct);
            try
            {
                await using var read = await source.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
                var from = (NpgsqlConnection)source.Database.GetDbConnection();
                foreach (var type in TableOrder)
                    await CopyTableAsync(from, source.Model.FindEntityType(type)!, connection, write, target.Model.FindEntityType(type)!, ct);
                await read.CommitAsync(ct);
            }
            finally
            {
                await source.Database.CloseConnectionAsync();
            }

            foreach (var (_, sql) in indexes) Execute(connection, write, sql);
            write.Commit();
            // A snapshot is a single self-contained file with an ordinary rollback journal once it is opened later.
            SnapshotFile.Execute(connection, "PRAGMA journal_mode=DELETE;");
        });
    }

    private static readonly SemaphoreSlim SchemaGate = new(1, 1);
    private static byte[]? _emptySchema;

    /// <summary>An empty database with the app's SQLite schema, made once per process by the app's own migrations in a
    /// scratch file and kept as bytes: running the migrations (model differ, one transaction each) for every snapshot
    /// costs more than copying a few rows.</summary>
    private static async Task<byte[]> EmptySchemaAsync(string scratch, CancellationToken ct)
    {
        if (_emptySchema is { } made) return made;
        await SchemaGate.WaitAsync(ct);
        try
        {
            if (_emptySchema is { } madeMeanwhile) return madeMeanwhile;
            File.Delete(scratch);
            try
            {
                await using (var db = SnapshotFile.OpenContext(SnapshotFile.ConnectionString(scratch)))
                    await db.Database.MigrateAsync(ct);
                return _emptySchema = await File.ReadAllBytesAsync(scratch, ct);
            }
            finally
            {
                File.Delete(scratch);
            }
        }
        finally
        {
            SchemaGate.Release();
        }
    }

    private static async Task CopyTableAsync(NpgsqlConnection from, IEntityType sourceType, SqliteConnection to, SqliteTransaction write,
        IEntityType targetType, CancellationToken ct)
    {
        var sourceTable = StoreObjectIdentifier.Table(sourceType.GetTableName()!, sourceType.GetSchema());
        var targetTable = StoreObjectIdentifier.Table(targetType.GetTableName()!, targetType.GetSchema());
        var columns = targetType.GetProperties().Select(t => (Target: t, Source: sourceType.FindProperty(t.Name)!)).ToList();
        var readers = columns.Select(c => ValueReader(c.Source, c.Target)).ToArray();
        var key = Quote(sourceType.FindPrimaryKey()!.Properties.Single().GetColumnName(sourceTable)!);

        // Table and column names come from the app's model, never from input.
        await using var select = new NpgsqlCommand(
            $"SELECT {string.Join(", ", columns.Select(c => Quote(c.Source.GetColumnName(sourceTable)!)))} FROM {Quote(sourceTable.Name)} ORDER BY {key}", from)
        { CommandTimeout = 0 };
        await using var insert = to.CreateCommand();
        insert.Transaction = write;
        insert.CommandText = $"INSERT INTO {Quote(targetTable.Name)} ({string.Join(", ", columns.Select(c => Quote(c.Target.GetColumnName(targetTable)!)))}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))});";
        var parameters = columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        insert.Prepare();

        // Reading (PostgreSQL and the value conversion) on one thread, inserting on this one.
        var batches = Channel.CreateBounded<object[][]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                await using var reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
                var batch = new List<object[]>(BatchSize);
                while (await reader.ReadAsync(ct))
                {
                    var row = new object[readers.Length];
                    for (var i = 0; i < readers.Length; i++) row[i] = readers[i](reader, i);
                    batch.Add(row);
                    if (batch.Count == BatchSize)
                    {
                        await batches.Writer.WriteAsync([.. batch], ct);
                        batch.Clear();
                    }
                }
                if (batch.Count > 0) await batches.Writer.WriteAsync([.. batch], ct);
                batches.Writer.Complete();
            }
            catch (Exception ex)
            {
                batches.Writer.Complete(ex);
            }
        }, ct);

        await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            foreach (var row in batch)
            {
                for (var i = 0; i < row.Length; i++) parameters[i].Value = row[i];
                insert.ExecuteNonQuery();
            }
        await producer;
    }

    /// <summary>Reads one column as its PostgreSQL provider type and turns it into the SQLite provider value
    /// (through the model value, so converters such as the UTC date-time and enum ones apply as in EF).</summary>
    private static Func<NpgsqlDataReader, int, object> ValueReader(IProperty source, IProperty target)
    {
        var sourceMapping = source.GetRelationalTypeMapping();
        var providerType = sourceMapping.Converter?.ProviderClrType ?? sourceMapping.ClrType;
        var read = typeof(RowCopy).GetMethod(nameof(ReadValue), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(providerType).CreateDelegate<Func<NpgsqlDataReader, int, object?>>();
        var fromProvider = sourceMapping.Converter?.ConvertFromProvider;
        var toProvider = target.GetRelationalTypeMapping().Converter?.ConvertToProvider;
        return (reader, i) =>
        {
            var value = read(reader, i);
            if (value is null) return DBNull.Value;
            if (fromProvider is not null) value = fromProvider(value);
            if (toProvider is not null) value = toProvider(value);
            return value ?? DBNull.Value;
        };
    }

    private static object? ReadValue<T>(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    private static List<(string Name, string Sql)> Indexes(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        // Automatic indexes (primary keys, UNIQUE constraints) have no SQL of their own and stay.
        command.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name;";
        using var reader = command.ExecuteReader();
        var indexes = new List<(string, string)>();
        while (reader.Read()) indexes.Add((reader.GetString(0), reader.GetString(1)));
        return indexes;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        command.ExecuteNonQuery();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Replaces every row of a PostgreSQL database with the rows of a verified snapshot, in one transaction
    /// (TRUNCATE takes an exclusive lock: saves wait for the restore, then see the restored data).</summary>
    public static async Task ReplaceInPostgresAsync(IDbContextFactory<MesDbContext> live, string snapshotFile, CancellationToken ct)
    {
        await using var source = SnapshotFile.OpenContext(SnapshotFile.ConnectionString(snapshotFile, Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly));
        await using var target = await live.CreateDbContextAsync(ct);
        var tables = new[] { "Packs", "StageRecords", "CheckResults", "AuditLog", "ProductionTargets", "IssuedLabels", "Components", "ComponentLinks", "ImportMappings" };
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
