using BatteryMes.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The result of checking a snapshot file.</summary>
public sealed record SnapshotCheck(bool Verified, string? Problem, Dictionary<string, long> RowCounts, string? Schema)
{
    public static SnapshotCheck Failed(string problem) => new(false, problem, [], null);
}

/// <summary>SQLite snapshot files: consistent copies with the online backup API, and their verification
/// (integrity_check, the expected tables, a schema this version knows, row counts).</summary>
public static class SnapshotFile
{
    /// <summary>Tables every snapshot must hold, whatever its schema version.</summary>
    private static readonly string[] CoreTables = ["Packs", "StageRecords", "CheckResults", "AuditLog"];

    private static readonly Lazy<(IReadOnlyList<string> Migrations, IReadOnlyList<string> Tables)> Model = new(() =>
    {
        using var db = OpenContext("Data Source=:memory:");
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().ToList();
        return (db.Database.GetMigrations().ToList(), tables);
    });

    /// <summary>The tables of the app's model.</summary>
    public static IReadOnlyList<string> Tables => Model.Value.Tables;

    /// <summary>The SQLite schema versions this build knows, oldest first.</summary>
    public static IReadOnlyList<string> KnownMigrations => Model.Value.Migrations;

    public static string ConnectionString(string file, SqliteOpenMode mode = SqliteOpenMode.ReadWriteCreate) =>
        new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, Mode = mode, DefaultTimeout = 60 }.ToString();

    /// <summary>A SQLite context over any file (a snapshot being written or read), with the app's SQLite migrations.</summary>
    public static SqliteMesDbContext OpenContext(string connectionString) =>
        new(new DbContextOptionsBuilder<SqliteMesDbContext>().UseSqlite(connectionString).Options);

    /// <summary>Copies a live SQLite database into <paramref name="destination"/> with the online backup API: a
    /// consistent view including what is still in the WAL, while others keep writing.</summary>
    public static void CopyOnline(string sourceFile, string destination)
    {
        using var source = new SqliteConnection(ConnectionString(sourceFile, SqliteOpenMode.ReadWrite));
        using var target = new SqliteConnection(ConnectionString(destination));
        source.Open();
        target.Open();
        source.BackupDatabase(target);
        // A snapshot is a single self-contained file: no WAL side files when someone opens it later.
        Execute(target, "PRAGMA journal_mode=DELETE;");
    }

    public static SnapshotCheck Verify(string file)
    {
        if (!File.Exists(file)) return SnapshotCheck.Failed("The file does not exist.");
        try
        {
            using var connection = new SqliteConnection(ConnectionString(file, SqliteOpenMode.ReadOnly));
            connection.Open();
            var verdict = ReadAll(connection, "PRAGMA integrity_check;");
            if (verdict is not ["ok"])
                return SnapshotCheck.Failed($"Integrity check failed: {string.Join("; ", verdict.Take(3))}");

            var tables = ReadAll(connection, "SELECT name FROM sqlite_master WHERE type = 'table';").ToHashSet(StringComparer.Ordinal);
            if (!tables.Contains("__EFMigrationsHistory"))
                return SnapshotCheck.Failed("This is a SQLite file but not a Battery MES database (no schema history table).");
            var applied = ReadAll(connection, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\";");
            var unknown = applied.Except(KnownMigrations).ToList();
            if (unknown.Count > 0)
                return SnapshotCheck.Failed($"The backup comes from a newer version of Battery MES (schema {unknown[^1]}); this version knows schemas up to {KnownMigrations[^1]}.");
            var schema = applied.Count > 0 ? applied[^1] : null;
            var required = schema == KnownMigrations[^1] ? Tables : CoreTables;
            var missing = required.Where(t => !tables.Contains(t)).ToList();
            if (missing.Count > 0)
                return SnapshotCheck.Failed($"The backup lacks the table(s) {string.Join(", ", missing)}.");

            var counts = new Dictionary<string, long>();
            foreach (var table in Tables.Where(tables.Contains))
                counts[table] = Convert.ToInt64(Scalar(connection, $"SELECT COUNT(*) FROM \"{table}\";"));
            return new SnapshotCheck(true, null, counts, schema);
        }
        catch (SqliteException ex)
        {
            // A truncated or foreign file: "file is not a database", "database disk image is malformed".
            return SnapshotCheck.Failed($"The file cannot be read as a database: {ex.Message}");
        }
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> ReadAll(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetValue(0)?.ToString() ?? "");
        return values;
    }
}
