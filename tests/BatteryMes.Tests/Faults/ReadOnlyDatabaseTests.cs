using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Backups;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Tests.Faults;

/// <summary>Issue 9, faults: the SQLite database file becomes read-only while the app runs. Saves are refused in plain
/// words, reading goes on, nothing stored is lost, and saves work again once the file is writable.</summary>
public class ReadOnlyDatabaseTests
{
    [Fact]
    public async Task A_read_only_database_file_refuses_saves_in_plain_words_keeps_pages_and_backups_reading_and_recovers_once_writable()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();
        await BackupDiskFaultTests.CreatePackAsync(client, "BP-RO-1");
        Assert.Equal(HttpStatusCode.OK, (await BackupDiskFaultTests.SaveAsync(client, "BP-RO-1", "Before")).StatusCode);

        // Tests run as root, and root ignores chmod 444; the immutable attribute stops root too. Like chmod, it only
        // affects files opened from now on, so the open pooled connections are closed first (as after a restart).
        // The automatic snapshot after the save must have finished first: while its connection holds a lock on the
        // file, SQLite keeps the closed connections' descriptors for re-use, and a new connection would get a
        // writable one back.
        await BackupDiskFaultTests.WaitUntilIdleAsync(app);
        SqliteConnection.ClearAllPools();
        await using (await ImmutableFile.SetAsync(file))
        {
            var refused = await BackupDiskFaultTests.SaveAsync(client, "BP-RO-1", "Refused");
            var refusedCreate = await client.PostAsJsonAsync("/api/packs", new { packId = "BP-RO-2" });

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            Assert.Contains("Nothing was saved", detail);
            Assert.Contains("database is read-only", detail);
            Assert.Contains("Call the person who looks after the Battery MES server", detail);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedCreate.StatusCode);

            // Reading goes on: the pack page's data, the history, and a backup of the stored data.
            Assert.Equal("Before", await BackupDiskFaultTests.RemarksAsync(client, "BP-RO-1"));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/packs/BP-RO-1/history")).StatusCode);
            var backup = await client.PostAsJsonAsync("/api/backups", new { });
            Assert.Equal(HttpStatusCode.Created, backup.StatusCode);
            Assert.Equal(1, (await backup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rowCounts").GetProperty("Packs").GetInt64());
        }

        var after = await BackupDiskFaultTests.SaveAsync(client, "BP-RO-1", "After");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        await BackupDiskFaultTests.CreatePackAsync(client, "BP-RO-2");
        Assert.Equal("After", await BackupDiskFaultTests.RemarksAsync(client, "BP-RO-1"));
        var history = await client.GetFromJsonAsync<JsonElement>("/api/packs/BP-RO-1/history");
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("newValue").GetString() == "Before");
        Assert.DoesNotContain(history.EnumerateArray(), h => h.GetProperty("newValue").GetString() == "Refused");
    }

    [Fact]
    public async Task A_read_only_database_file_that_needs_a_schema_upgrade_stops_the_app_at_start_naming_the_file_and_the_fix_and_changes_nothing()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        await using (await database.StartAsync()) { }
        // An older schema: the newest migration is not recorded as applied, so the start has to upgrade the file.
        using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = (SELECT MAX(\"MigrationId\") FROM \"__EFMigrationsHistory\"); " +
                "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        var before = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file)));

        (int ExitCode, string Stdout, string Stderr) run;
        await using (await ImmutableFile.SetAsync(file))
            run = await BackupRig.RunAppAsync(database, []);

        var output = run.Stdout + run.Stderr;
        Assert.True(run.ExitCode == 1, $"Exit code {run.ExitCode}:\n{output}");
        Assert.Contains($"The database file {file} is read-only, so Battery MES cannot upgrade its schema", run.Stderr);
        Assert.Contains("Nothing was changed", run.Stderr);
        Assert.Contains("chattr -i", run.Stderr);
        Assert.Contains($"The database file {file} is read-only; Battery MES needs to upgrade its schema", run.Stdout);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain("attempt to write a readonly database", output);
        Assert.Empty(Directory.Exists(database.BackupFolder()) ? Directory.GetFiles(database.BackupFolder(), "*", SearchOption.AllDirectories) : []);
        Assert.Equal(before, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file))));
    }

    [Fact]
    public async Task A_read_only_database_file_at_the_current_schema_still_starts_says_so_in_the_log_shows_the_data_and_refuses_saves_in_plain_words()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        await using (var services = await database.StartAsync())
            await BackupRig.CreatePacksAsync(services, "BP-RO-START");
        var keys = await AppProcess.SeedPeopleAsync(database);
        SqliteConnection.ClearAllPools();

        await using (await ImmutableFile.SetAsync(file))
        {
            await using var app = await AppProcess.StartAsync(database, apiKeys: keys);
            using var client = app.CreateClient();

            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/packs/BP-RO-START/history")).StatusCode);
            var refused = await BackupDiskFaultTests.SaveAsync(client, "BP-RO-START", "Refused");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("database is read-only", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
            Assert.Contains($"The database file {file} is read-only: pages, reports and backups work, saves are refused", app.Output);
        }
    }

    /// <summary>chattr +i for the lifetime of the object; removed on dispose whatever happened.</summary>
    private sealed class ImmutableFile : IAsyncDisposable
    {
        private readonly string _file;

        private ImmutableFile(string file) => _file = file;

        public static async Task<ImmutableFile> SetAsync(string file)
        {
            var (code, output) = await ChattrAsync("+i", file);
            if (code != 0)
                Assert.Fail($"This fault test makes the database file read-only with `chattr +i`, which needs root and a file system with " +
                    $"attributes (ext4, xfs, btrfs; not tmpfs). Run the tests as root on such a disk, as CI does. chattr said: {output.Trim()}");
            return new ImmutableFile(file);
        }

        public async ValueTask DisposeAsync() => await ChattrAsync("-i", _file);

        private static Task<(int Code, string Output)> ChattrAsync(string flag, string file) => SmallDisk.RunAsync("chattr", flag, file);
    }
}
