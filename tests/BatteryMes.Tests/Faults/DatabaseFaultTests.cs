using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace BatteryMes.Tests.Faults;

/// <summary>What counts as "the database is not reachable" (503, try again), "the database cannot be written" (read-only,
/// disk full) and what stays a bug or a plain error, judged on exceptions the real drivers throw.</summary>
public class DatabaseFaultTests
{
    [Fact]
    public async Task A_PostgreSQL_server_that_does_not_listen_is_unreachable_also_after_the_retries_are_spent()
    {
        var closedPort = PostgresServer.FreePort();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={closedPort};Username=postgres;Timeout=5");
        var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());

        Assert.Equal(DatabaseFaultKind.Unreachable, DatabaseFault.Classify(refused).Kind);
        var afterRetries = DatabaseFault.Classify(new RetryLimitExceededException("retries spent", refused));
        Assert.Equal(DatabaseFaultKind.Unreachable, afterRetries.Kind);
        Assert.Equal(DatabaseFault.UnreachableTitle, afterRetries.Title);
        Assert.Contains("try Save again", afterRetries.OperatorMessage, StringComparison.Ordinal);
        Assert.False(afterRetries.LeavesStaleConnections);
    }

    [Fact]
    public void A_SQLite_file_that_cannot_be_opened_is_unreachable_but_a_constraint_violation_is_not_a_database_fault()
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        using var missing = new SqliteConnection($"Data Source={Path.Combine(folder, "no-such-folder", "mes.db")};Mode=ReadWrite;Pooling=False");
        var cannotOpen = Assert.Throws<SqliteException>(() => missing.Open());
        Assert.Equal(DatabaseFaultKind.Unreachable, DatabaseFault.Classify(cannotOpen).Kind);

        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();
        using var cmd = memory.CreateCommand();
        cmd.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);";
        var duplicate = Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery());
        Assert.False(DatabaseFault.Classify(duplicate).IsKnown);
        Assert.False(DatabaseFault.Classify(new InvalidOperationException("a bug", duplicate)).IsKnown);
        Assert.False(DatabaseFault.Classify(new InvalidOperationException("a bug")).IsKnown);
        Assert.False(DatabaseFault.Classify(null).IsKnown);
    }

    [Fact]
    public void A_write_to_a_SQLite_file_opened_read_only_is_read_only_found_inside_a_wrapper_and_leaves_stale_connections()
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "mes.db");
        using (var create = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            create.Open();
            using var table = create.CreateCommand();
            table.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY)";
            table.ExecuteNonQuery();
        }
        using var readOnly = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        readOnly.Open();
        using var insert = readOnly.CreateCommand();
        insert.CommandText = "INSERT INTO t VALUES (1)";
        var refused = Assert.Throws<SqliteException>(() => insert.ExecuteNonQuery());

        var fault = DatabaseFault.Classify(new Microsoft.EntityFrameworkCore.DbUpdateException("save failed", refused));
        Assert.Equal(DatabaseFaultKind.ReadOnly, fault.Kind);
        Assert.Equal(DatabaseFault.WriteRefusedTitle, fault.Title);
        Assert.Contains("database is read-only", fault.OperatorMessage, StringComparison.Ordinal);
        Assert.Equal(fault.OperatorMessage, fault.ApiDetail);
        Assert.True(fault.LeavesStaleConnections);
    }

    [Fact]
    public void A_full_disk_under_SQLite_is_its_own_kind_with_its_own_words()
    {
        // SQLITE_FULL as Microsoft.Data.Sqlite raises it (the real full disk is ReadOnlyDatabaseTests' and the backup tests' tmpfs).
        var fault = DatabaseFault.Classify(new SqliteException("database or disk is full", 13));

        Assert.Equal(DatabaseFaultKind.DiskFull, fault.Kind);
        Assert.Contains("disk that holds the database is full", fault.OperatorMessage, StringComparison.Ordinal);
        Assert.False(fault.LeavesStaleConnections);
    }

    [Fact]
    public async Task A_PostgreSQL_transaction_in_read_only_mode_is_read_only_without_stale_connections()
    {
        var connectionString = PostgresServer.CreateDatabase("fault");
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            // One statement per command: a batch runs in one transaction, begun before the SET takes effect.
            foreach (var sql in new[] { "CREATE TABLE t (id int)", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY" })
            {
                await using var setUp = new NpgsqlCommand(sql, connection);
                await setUp.ExecuteNonQueryAsync();
            }
            await using var insert = new NpgsqlCommand("INSERT INTO t VALUES (1)", connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

            var fault = DatabaseFault.Classify(refused);
            Assert.Equal(DatabaseFaultKind.ReadOnly, fault.Kind);
            Assert.Contains("read-only mode", fault.OperatorMessage, StringComparison.Ordinal);
            Assert.False(fault.LeavesStaleConnections);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            PostgresServer.DropDatabase(connectionString);
        }
    }
}
