using BatteryMes.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The result of checking a snapshot file.</summary>
public sealed record SnapshotCheck(bool Verified, string? Problem, Dictionary<string, long> RowCounts, string? Schema, string? Check = null)
{
    public static SnapshotCheck Failed(string problem, string? check = null) => new(false, problem, [], null, check);
}

/// <summary>How thoroughly a snapshot's pages are checked. Both run on the whole file and are followed by the schema
/// and row-count checks.</summary>
public enum SnapshotCheckDepth
{
    /// <summary><c>PRAGMA integrity_check</c>: b-tree structure, page use, and every index against its table.</summary>
    Full,

    /// <summary><c>PRAGMA quick_check</c>: b-tree structure, page use, NOT NULL/CHECK constraints; skips the
    /// index-against-table comparison, which is most of the time of a full check on a large database.</summary>
    Quick,
}

/// <summary>SQLite snapshot files: consistent copies with the online backup API, and their verification
/// (integrity_check, the expected tables, a schema this version knows, row counts).</summary>
public static class SnapshotFile
{
    /// <summary>Tables every snapshot must hold, whatever its schema version: those of the first schema
    /// (InitialCreate). The audit log, labels and targets came with a later one, so a copy taken before upgrading a
    /// first-version database has none of them.</summary>
    private static readonly string[] CoreTables = ["Packs", "StageRecords", "CheckResults"];

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
    /// <remarks>One backup step for all pages: in WAL mode the copy reads one consistent view and writers are not
    /// blocked, whereas small steps restart whenever another connection writes. The copy is a new private file, so it
    /// is written without a journal and without fsync (the source stays the durable copy); <see cref="Flush"/> makes
    /// it durable once, before it is called verified. Measured at 100,000 packs this brings the copy from about 7x to
    /// about 2.2x a plain cp (README, Backups).
    /// The source is read through a memory map for the copy: without it SQLite reads every 4 KB page with its own
    /// pread (about 300,000 calls at 100,000 packs, a third of the copy's system time); with it there are none.
    /// The destination's pager works in <see cref="CopyPageBytes"/> pages: the backup API then packs four 4 KB source
    /// pages into each destination page and writes it with one pwrite, a quarter of the calls of a same-size copy
    /// (this is SQLite's own path for a destination whose page size differs, made for that case; the file it
    /// leaves holds the source's pages byte for byte and says the source's page size). Measured at 100,000 packs
    /// (README, Latest figures, snapshot-ab) this took the copy from 1.71 s to 0.76 s, against 0.78 s for a plain cp. The map is read-only and closed
    /// with the connection; pages still in the WAL are read from the WAL as before.</remarks>
    public static void CopyOnline(string sourceFile, string destination, int pageBytes = CopyPageBytes)
    {
        using var source = new SqliteConnection(ConnectionString(sourceFile, SqliteOpenMode.ReadWrite));
        using var target = new SqliteConnection(ConnectionString(destination));
        source.Open();
        target.Open();
        Execute(source, $"PRAGMA mmap_size={MmapBytes};");
        Execute(target, "PRAGMA synchronous=OFF;");
        Execute(target, "PRAGMA journal_mode=OFF;");
        // A new database takes its page size from its first write; the backup would otherwise set it to the source's.
        // The placeholder table goes with everything else the backup replaces.
        pageBytes = Math.Max(pageBytes, Convert.ToInt32(Scalar(source, "PRAGMA page_size;")));
        Execute(target, $"PRAGMA page_size={pageBytes}; CREATE TABLE \"CopyPlaceholder\" (\"Id\" INTEGER);");
        source.BackupDatabase(target);
        // A snapshot is a single self-contained file: no WAL side files when someone opens it later.
        Execute(target, "PRAGMA journal_mode=DELETE;");
    }

    /// <summary>The destination's page size during an online copy (see <see cref="CopyOnline"/>). 16 KB measured best:
    /// 64 KB pages cost more system time than they save in calls.</summary>
    internal const int CopyPageBytes = 16 * 1024;

    /// <summary>Forces a written snapshot to disk (one fsync of the whole file).</summary>
    public static void Flush(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>For quick_check: a memory map over the file and a large page cache (freed when the connection closes).
    /// Measured at 100,000 packs (A/B in one process, README, Backups) this made quick_check about 10-40% faster,
    /// while the same settings made integrity_check slower, so the full check keeps SQLite's defaults.</summary>
    private const long MmapBytes = 4L * 1024 * 1024 * 1024;
    private const int CheckCacheKibibytes = 1024 * 1024;

    public static SnapshotCheck Verify(string file, SnapshotCheckDepth depth = SnapshotCheckDepth.Full)
    {
        var pragma = depth == SnapshotCheckDepth.Full ? "integrity_check" : "quick_check";
        if (!File.Exists(file)) return SnapshotCheck.Failed("The file does not exist.", pragma);
        try
        {
            using var connection = new SqliteConnection(ConnectionString(file, SqliteOpenMode.ReadOnly));
            connection.Open();
            if (depth == SnapshotCheckDepth.Quick)
            {
                Execute(connection, $"PRAGMA cache_size=-{CheckCacheKibibytes};");
                Execute(connection, $"PRAGMA mmap_size={MmapBytes};");
            }
            var verdict = ReadAll(connection, $"PRAGMA {pragma};");
            if (verdict is not ["ok"])
                return SnapshotCheck.Failed($"Integrity check ({pragma}) failed: {string.Join("; ", verdict.Take(3))}", pragma);

            var tables = ReadAll(connection, "SELECT name FROM sqlite_master WHERE type = 'table';").ToHashSet(StringComparer.Ordinal);
            if (!tables.Contains("__EFMigrationsHistory"))
                return SnapshotCheck.Failed("This is a SQLite file but not a Battery MES database (no schema history table).", pragma);
            var applied = ReadAll(connection, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\";");
            var unknown = applied.Except(KnownMigrations).ToList();
            if (unknown.Count > 0)
                return SnapshotCheck.Failed($"The backup comes from a newer version of Battery MES (schema {unknown[^1]}); this version knows schemas up to {KnownMigrations[^1]}.", pragma);
            var schema = applied.Count > 0 ? applied[^1] : null;
            var required = schema == KnownMigrations[^1] ? Tables : CoreTables;
            var missing = required.Where(t => !tables.Contains(t)).ToList();
            if (missing.Count > 0)
                return SnapshotCheck.Failed($"The backup lacks the table(s) {string.Join(", ", missing)}.", pragma);

            var counts = new Dictionary<string, long>();
            foreach (var table in Tables.Where(tables.Contains))
                counts[table] = Convert.ToInt64(Scalar(connection, $"SELECT COUNT(*) FROM \"{table}\";"));
            return new SnapshotCheck(true, null, counts, schema, pragma);
        }
        catch (SqliteException ex)
        {
            // A truncated or foreign file: "file is not a database", "database disk image is malformed".
            return SnapshotCheck.Failed($"The file cannot be read as a database: {ex.Message}", pragma);
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
