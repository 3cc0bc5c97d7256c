using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Data.Sqlite;
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
                    route.GetStage(1).Checks.Select(c => new CheckInput(c.Code, QcResult.Ok, QcResult.Ok)).ToList()), Tech);
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
            var copy = Path.Combine(database.Folder, "main-file-only.db");
            File.Copy(file, copy);
            await using var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM Packs WHERE PackId LIKE 'BP-WAL-%'";
            Assert.Equal(5L, (long)(await count.ExecuteScalarAsync())!);
        }
        finally
        {
            await checkpoints.StopAsync(CancellationToken.None);
        }
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
