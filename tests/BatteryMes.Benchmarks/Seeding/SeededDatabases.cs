using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace BatteryMes.Benchmarks.Seeding;

/// <summary>Seeded databases, made once and cached: SQLite files under /tmp/batterymes-bench/ and PostgreSQL
/// template databases in the bench cluster, named by pack count, schema (last migration) and generator version,
/// so that a new migration or a change of the generator reseeds and nothing else does.
/// Benchmarks never write to a seed: they work on a copy (<see cref="SqliteWorkingCopy"/>, <see cref="PostgresWorkingCopy"/>).</summary>
public static class SeededDatabases
{
    /// <summary>Where the SQLite seeds and working copies live (BATTERYMES_BENCH_DIR overrides it).</summary>
    public static string Root => Environment.GetEnvironmentVariable("BATTERYMES_BENCH_DIR") is { Length: > 0 } dir ? dir : "/tmp/batterymes-bench";

    /// <summary>Connection string of the bench PostgreSQL server's maintenance database (set by scripts/bench.sh).</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable("BATTERYMES_BENCH_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public static Action<string> Log { get; set; } = Console.WriteLine;

    /// <summary>Seeding summaries of this run (empty for seeds found in the cache).</summary>
    public static List<(DatabaseProvider Provider, SeedSummary Summary)> Seeded { get; } = [];

    public static string SchemaId(DatabaseProvider provider)
    {
        using var services = BenchServices.Build(provider, provider == DatabaseProvider.Sqlite ? "Data Source=:memory:" : "Host=127.0.0.1", Path.Combine(Root, "schema"));
        using var db = services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContext();
        return db.Database.GetMigrations().Last();
    }

    private static string Key(DatabaseProvider provider, int packs) => $"{packs}-{SchemaId(provider)}-g{SeedPlan.GeneratorVersion}";

    // ---------- SQLite ----------

    /// <summary>The seeded SQLite file for <paramref name="packs"/> packs, seeding it first when it is not cached.</summary>
    public static string SqliteSeed(int packs)
    {
        Directory.CreateDirectory(Root);
        var file = Path.Combine(Root, $"seed-sqlite-{Key(DatabaseProvider.Sqlite, packs)}.db");
        if (File.Exists(file)) return file;

        var building = file + ".building";
        foreach (var stale in new[] { building, building + "-wal", building + "-shm", building + "-journal" }) File.Delete(stale);
        Log($"Seeding SQLite with {packs:N0} packs into {file} ...");
        Migrate(DatabaseProvider.Sqlite, $"Data Source={building}");
        var plan = SeedPlan.For(packs);
        var summary = SqliteSeedWriter.Write(building, new PlantDataGenerator(BenchServices.LoadRoute(), plan).Generate(), Log);
        SqliteConnection.ClearAllPools();
        File.Move(building, file);
        Seeded.Add((DatabaseProvider.Sqlite, summary));
        Log($"Seeded SQLite: {summary}; {new FileInfo(file).Length / 1048576.0:N0} MB");
        return file;
    }

    /// <summary>A private copy of the seed for a benchmark that writes (the seed is closed and checkpointed: a file copy is safe).</summary>
    public static string SqliteWorkingCopy(int packs, string purpose)
    {
        var seed = SqliteSeed(packs);
        // The process id keeps two runs at once (other worktrees, other suites) off each other's copies.
        var folder = Path.Combine(Root, "work", $"{purpose}-{packs}-{Environment.ProcessId}");
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "battery_mes.db");
        File.Copy(seed, file);
        // Written to disk now: otherwise the first checkpoint's fsync would flush the whole fresh copy (over 1 GB at
        // 100,000 packs) and be timed as one save of several seconds.
        using (var copy = new FileStream(file, FileMode.Open, FileAccess.ReadWrite)) copy.Flush(flushToDisk: true);
        return file;
    }

    // ---------- PostgreSQL ----------

    /// <summary>The name of the seeded template database, seeding it first when the bench cluster lacks it.</summary>
    public static string PostgresSeed(int packs)
    {
        var server = PostgresServer ?? throw new InvalidOperationException(
            "PostgreSQL benchmarks need BATTERYMES_BENCH_POSTGRES (scripts/bench.sh starts a throwaway cluster and sets it).");
        var name = $"seed_{Key(DatabaseProvider.PostgreSQL, packs)}".Replace('-', '_').ToLowerInvariant();
        if (name.Length > 63) name = name[..63];
        if (DatabaseExists(server, name)) return name;

        var building = "building_" + Guid.NewGuid().ToString("N")[..12];
        AdminExecute(server, $"CREATE DATABASE \"{building}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = building }.ToString();
        Log($"Seeding PostgreSQL with {packs:N0} packs into {name} ...");
        Migrate(DatabaseProvider.PostgreSQL, connectionString);
        var summary = PostgresSeedWriter.Write(connectionString, new PlantDataGenerator(BenchServices.LoadRoute(), SeedPlan.For(packs)).Generate(), Log);
        NpgsqlConnection.ClearAllPools();
        AdminExecute(server, $"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
        Seeded.Add((DatabaseProvider.PostgreSQL, summary));
        Log($"Seeded PostgreSQL: {summary}");
        return name;
    }

    /// <summary>A private database cloned from the seed (CREATE DATABASE ... TEMPLATE, STRATEGY FILE_COPY: a file-level
    /// copy, which for the 100,000-pack seed is much quicker than the default of writing every page to the WAL).
    /// Named with the process id, so that two bench runs at once never drop each other's copies. A seed template is never
    /// opened itself: a session on it would make everyone's CREATE DATABASE ... TEMPLATE fail.</summary>
    public static string PostgresWorkingCopy(int packs, string purpose)
    {
        var server = PostgresServer!;
        var seed = PostgresSeed(packs);
        var name = $"work_{purpose}_{packs}_{Environment.ProcessId}".ToLowerInvariant();
        NpgsqlConnection.ClearAllPools();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        AdminExecute(server, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        AdminExecute(server, $"CREATE DATABASE \"{name}\" TEMPLATE \"{seed}\" STRATEGY FILE_COPY");
        Log($"PostgreSQL working copy {name} of {seed} made in {watch.Elapsed.TotalSeconds:N1} s");
        return new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true }.ToString();
    }

    private static readonly Dictionary<int, string> ReadCopies = [];

    /// <summary>One working copy per pack count shared by the suites that only read (dashboard, reports, CSV, backups),
    /// made on first use and dropped by <see cref="DropReadCopies"/> at the end of the run: BenchmarkDotNet sets up
    /// each case on its own, and a 100,000-pack copy takes a while.</summary>
    public static string PostgresReadCopy(int packs)
    {
        lock (ReadCopies)
        {
            if (!ReadCopies.TryGetValue(packs, out var connectionString))
                ReadCopies[packs] = connectionString = PostgresWorkingCopy(packs, "read");
            return connectionString;
        }
    }

    public static void DropReadCopies()
    {
        lock (ReadCopies)
        {
            foreach (var connectionString in ReadCopies.Values) DropPostgres(connectionString);
            ReadCopies.Clear();
        }
    }

    public static void DropPostgres(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        AdminExecute(PostgresServer!, $"DROP DATABASE IF EXISTS \"{new NpgsqlConnectionStringBuilder(connectionString).Database}\" WITH (FORCE)");
    }

    // ---------- shared ----------

    /// <summary>Creates the schema exactly as the app does at start-up (migrations, WAL for SQLite).</summary>
    private static void Migrate(DatabaseProvider provider, string connectionString)
    {
        using var services = BenchServices.Build(provider, connectionString, Path.Combine(Root, "schema"));
        services.GetRequiredService<DatabaseInitializer>().InitializeAsync().GetAwaiter().GetResult();
        // The app pools connections: release them, or the bulk writer waits on the pooled one's lock.
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
    }

    private static bool DatabaseExists(string server, string name)
    {
        using var connection = new NpgsqlConnection(server);
        connection.Open();
        using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", connection);
        cmd.Parameters.AddWithValue("n", name);
        return cmd.ExecuteScalar() is not null;
    }

    private static void AdminExecute(string server, string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ToString());
        connection.Open();
        using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        cmd.ExecuteNonQuery();
    }
}
