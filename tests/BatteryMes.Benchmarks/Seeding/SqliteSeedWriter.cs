using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Benchmarks.Seeding;

/// <summary>Bulk-inserts generated packs into a migrated, empty SQLite file: one transaction, one prepared command
/// per table re-used for every row (EF change tracking would take hours for 6.5 million check rows).</summary>
public static class SqliteSeedWriter
{
    public static SeedSummary Write(string file, IEnumerable<GeneratedPack> packs, Action<string>? progress = null)
    {
        var watch = Stopwatch.StartNew();
        var counter = new SeedCounter();
        var count = 0;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        // A fresh file needs no crash safety while it is filled: no journal, no fsync, a large page cache.
        Execute(connection, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");
        using (var tx = connection.BeginTransaction())
        {
            var commands = SeedTables.All.Select(t => Prepare(connection, tx, t.Table, t.Columns)).ToArray();
            foreach (var pack in packs)
            {
                foreach (var (table, values) in SeedTables.Rows(pack))
                {
                    var cmd = commands[table];
                    for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
                    cmd.ExecuteNonQuery();
                }
                counter.Add(pack);
                if (++count % 10_000 == 0) progress?.Invoke($"  {count:N0} packs written ({watch.Elapsed.TotalSeconds:N0} s)");
            }
            AddProductionTarget(connection, tx, count);
            tx.Commit();
            foreach (var c in commands) c.Dispose();
        }
        // The app runs in WAL mode (it sets it at start-up too); leave the file as the app would find it.
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA wal_checkpoint(TRUNCATE);");
        return new SeedSummary(count, counter.Stages, counter.Checks, counter.Audit, watch.Elapsed);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction tx, string table, string[] columns)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        for (var i = 0; i < columns.Length; i++) cmd.Parameters.Add(new SqliteParameter($"$p{i}", null));
        cmd.Prepare();
        return cmd;
    }

    private static void AddProductionTarget(SqliteConnection connection, SqliteTransaction tx, int packs)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO \"ProductionTargets\" (\"EffectiveFrom\", \"PacksPerDay\", \"SetBy\", \"SetUtc\") VALUES ($from, $perDay, 'seed', $at)";
        cmd.Parameters.AddWithValue("$from", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-366)));
        cmd.Parameters.AddWithValue("$perDay", Math.Max(1, packs / 365));
        cmd.Parameters.AddWithValue("$at", DateTime.UtcNow.AddDays(-366));
        cmd.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
