using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Features.Operations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace BatteryMes.Tests.Faults;

/// <summary>What counts as "the database is not reachable" (503, try again) and what stays a bug or a plain error,
/// judged on exceptions the real drivers throw.</summary>
public class DatabaseOutageTests
{
    [Fact]
    public async Task A_PostgreSQL_server_that_does_not_listen_is_an_outage_also_after_the_retries_are_spent()
    {
        var closedPort = PostgresServer.FreePort();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={closedPort};Username=postgres;Timeout=5");
        var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());

        Assert.True(DatabaseOutage.IsOutage(refused));
        Assert.True(DatabaseOutage.IsOutage(new RetryLimitExceededException("retries spent", refused)));
    }

    [Fact]
    public void A_SQLite_file_that_cannot_be_opened_is_an_outage_but_a_constraint_violation_is_not()
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        using var missing = new SqliteConnection($"Data Source={Path.Combine(folder, "no-such-folder", "mes.db")};Mode=ReadWrite;Pooling=False");
        var cannotOpen = Assert.Throws<SqliteException>(() => missing.Open());
        Assert.True(DatabaseOutage.IsOutage(cannotOpen));

        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();
        using var cmd = memory.CreateCommand();
        cmd.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);";
        var duplicate = Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery());
        Assert.False(DatabaseOutage.IsOutage(duplicate));
        Assert.False(DatabaseOutage.IsOutage(new InvalidOperationException("a bug")));
        Assert.False(DatabaseOutage.IsOutage(null));
    }
}
