using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Data;

public class WalCheckpointTests
{
    private static readonly Actor Tech = new("Asha", "10.0.0.5");

    [Fact]
    public async Task Saves_reach_the_database_file_through_background_checkpoints_not_inside_a_users_commit()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await database.StartAsync();
        var checkpoints = app.GetRequiredService<SqliteWalCheckpoints>();
        var file = app.GetRequiredService<DatabaseTarget>().SqliteFile!;
        // An idle connection held open for the whole test: when the last connection to a database closes (other tests
        // clear every connection pool), SQLite itself checkpoints and deletes the log; this keeps that from happening,
        // so only a checkpoint can move the saves into the database file.
        await using var keepOpen = new SqliteConnection($"Data Source={file};Pooling=False");
        await keepOpen.OpenAsync();
        await using (var wal = keepOpen.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteScalarAsync();
        }
        await checkpoints.StartAsync(CancellationToken.None);
        try
        {
            var recorder = app.GetRequiredService<PackRecorder>();
            var route = app.GetRequiredService<ProcessRoute>();
            for (var i = 1; i <= 5; i++)
            {
                Assert.True((await recorder.CreatePackAsync($"BP-WAL-{i}", null, null, Tech)).Succeeded);
                var save = await recorder.SaveStageAsync(new StageSave($"BP-WAL-{i}", 1,
                    TestChecks.Passing(route.GetStage(1))), Tech);
                Assert.True(save.Succeeded, save.Message);
            }

            // The loop runs by itself (generous: a test run shares the machine with many others).
            var waited = TimeSpan.Zero;
            var ticksAtStart = checkpoints.Ticks;
            while (checkpoints.Ticks < ticksAtStart + 2 && waited < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(200);
                waited += TimeSpan.FromMilliseconds(200);
            }
            Assert.True(checkpoints.Ticks >= ticksAtStart + 2, $"The checkpoint loop did not run twice in 90 s. Last problem: {checkpoints.LastProblem}");
            // What each tick does, once more now with the loop stopped (two checkpoints at once make one of them give
            // up), so the outcome below does not depend on when the last tick ran.
            await checkpoints.StopAsync(CancellationToken.None);
            checkpoints.CheckpointOnce();
            Assert.True(checkpoints.LastProblem is null, checkpoints.LastProblem);

            // The database file itself (read without its log) now holds the saved packs.
            Assert.Equal(5L, await CountInFileWithoutLogAsync(database, file, "SELECT COUNT(*) FROM Packs WHERE PackId LIKE 'BP-WAL-%'"));
        }
        finally
        {
            await checkpoints.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_users_commit_does_not_checkpoint_when_the_log_passes_sqlites_default_of_1000_pages()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await database.StartAsync();
        var file = app.GetRequiredService<DatabaseTarget>().SqliteFile!;
        await using var keepOpen = new SqliteConnection($"Data Source={file};Pooling=False");
        await keepOpen.OpenAsync();
        // A connection opens the log only when it first reads: until then, another test clearing the connection pools
        // could close the last connection that has it open, and SQLite would checkpoint and delete it.
        await using (var read = keepOpen.CreateCommand())
        {
            read.CommandText = "SELECT COUNT(*) FROM sqlite_master";
            await read.ExecuteScalarAsync();
        }

        // One commit on the app's own connection settings that writes about 1,500 pages (6 MB) to the log.
        await using (var db = await app.OpenAsync())
        {
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE Filler (Payload BLOB); "
                + "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) INSERT INTO Filler SELECT zeroblob(4000) FROM n;");
        }

        // With SQLite's default threshold that commit would have copied the log into the file before answering.
        Assert.True(new FileInfo(file + "-wal").Length > 1000 * 4096, "The commit wrote fewer than 1,000 pages to the log: this test proves nothing.");
        Assert.Equal(0L, await CountInFileWithoutLogAsync(database, file, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'Filler'"));
    }

    /// <summary>Runs a count on a copy of the database file alone (without its log): what checkpoints have put there.</summary>
    private static async Task<long> CountInFileWithoutLogAsync(TestDatabase database, string file, string sql)
    {
        var copy = Path.Combine(database.Folder, "main-file-only.db");
        File.Copy(file, copy);
        await using var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = sql;
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_missing_database_file_is_not_created_by_the_checkpoints()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = database.BuildServices();
        var checkpoints = app.GetRequiredService<SqliteWalCheckpoints>();
        var file = app.GetRequiredService<DatabaseTarget>().SqliteFile!;
        File.WriteAllBytes(file + "-wal", []);

        await checkpoints.StartAsync(CancellationToken.None);
        await Task.Delay(SqliteWalCheckpoints.Interval * 3);
        await checkpoints.StopAsync(CancellationToken.None);

        Assert.False(File.Exists(file), "The checkpoints created an empty database file.");
    }
}
