using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace BatteryMes.Benchmarks.Seeding;

/// <summary>Bulk-loads generated packs into a migrated, empty PostgreSQL database with binary COPY, one connection
/// per table streaming side by side. Foreign-key triggers are off for these sessions (session_replication_role =
/// replica, superuser only: the bench cluster's user is) because each table's rows commit separately.</summary>
public static class PostgresSeedWriter
{
    private static readonly NpgsqlDbType[][] Types =
    [
        [NpgsqlDbType.Bigint, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.Smallint, NpgsqlDbType.Integer, NpgsqlDbType.TimestampTz],
        [NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Integer, NpgsqlDbType.Smallint, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.Boolean],
        [NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Varchar, NpgsqlDbType.Smallint, NpgsqlDbType.Smallint, NpgsqlDbType.Double, NpgsqlDbType.Double, NpgsqlDbType.TimestampTz],
        [NpgsqlDbType.Bigint, NpgsqlDbType.TimestampTz, NpgsqlDbType.Varchar, NpgsqlDbType.Integer, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar],
        [NpgsqlDbType.Bigint, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Integer, NpgsqlDbType.TimestampTz],
    ];

    public static SeedSummary Write(string connectionString, IEnumerable<GeneratedPack> packs, Action<string>? progress = null)
    {
        var watch = Stopwatch.StartNew();
        var counter = new SeedCounter();
        var count = 0;
        var connections = new List<NpgsqlConnection>();
        var importers = new List<NpgsqlBinaryImporter>();
        try
        {
            foreach (var (table, columns) in SeedTables.All)
            {
                var connection = new NpgsqlConnection(connectionString);
                connection.Open();
                connections.Add(connection);
                using (var cmd = new NpgsqlCommand("SET session_replication_role = replica", connection)) cmd.ExecuteNonQuery();
                importers.Add(connection.BeginBinaryImport(
                    $"COPY \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) FROM STDIN (FORMAT BINARY)"));
            }
            foreach (var pack in packs)
            {
                foreach (var (table, values) in SeedTables.Rows(pack))
                {
                    var importer = importers[table];
                    importer.StartRow();
                    for (var i = 0; i < values.Length; i++)
                    {
                        if (values[i] is null) importer.WriteNull();
                        else importer.Write(Convert(values[i]!, Types[table][i]), Types[table][i]);
                    }
                }
                counter.Add(pack);
                if (++count % 10_000 == 0) progress?.Invoke($"  {count:N0} packs written ({watch.Elapsed.TotalSeconds:N0} s)");
            }
            foreach (var importer in importers) importer.Complete();
        }
        finally
        {
            foreach (var importer in importers) importer.Dispose();
            foreach (var connection in connections) connection.Dispose();
        }

        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            var sql = string.Join(";\n", SeedTables.All.Select(t =>
                $"SELECT setval(pg_get_serial_sequence('\"{t.Table}\"', 'Id'), (SELECT COALESCE(MAX(\"Id\"), 1) FROM \"{t.Table}\"))"));
            sql += $";\nINSERT INTO \"ProductionTargets\" (\"EffectiveFrom\", \"PacksPerDay\", \"SetBy\", \"SetUtc\") VALUES (CURRENT_DATE - 366, {Math.Max(1, count / 365)}, 'seed', now() - interval '366 days')";
            // A running server would have gathered statistics long ago; give the planner the same picture.
            sql += ";\nANALYZE";
            using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            cmd.ExecuteNonQuery();
        }
        return new SeedSummary(count, counter.Stages, counter.Checks, counter.Audit, watch.Elapsed);
    }

    private static object Convert(object value, NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Smallint => (short)(int)value,
        _ => value,
    };
}
