using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>The online copy behind every SQLite snapshot works in larger pages than the live database (fewer writes),
/// yet the file it leaves is the live database page for page, in the live database's own page size.</summary>
public class SnapshotCopyTests
{
    [Fact]
    public async Task The_copy_holds_the_live_pages_byte_for_byte_including_what_is_still_in_the_WAL_in_the_live_page_size()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        var live = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        await services.CreatePacksAsync("BP-COPY-1", "BP-COPY-2", "BP-COPY-3");
        var recorder = services.GetRequiredService<PackRecorder>();
        foreach (var pack in new[] { "BP-COPY-1", "BP-COPY-2" })
            Assert.True((await recorder.SaveStageAsync(services.AllOk(pack, 1), BackupRig.Tester)).Succeeded);
        Assert.True(new FileInfo(live + "-wal").Length > 0, "The test needs recent commits still in the WAL.");
        var copy = Path.Combine(database.Folder, "copy.db");

        SnapshotFile.CopyOnline(live, copy);

        Assert.True(SnapshotCopyPages(copy) > SnapshotFile.CopyPageBytes / 4096, "The database should span several copy pages.");
        Assert.Equal(PageSize(live), PageSize(copy));
        Assert.Equal(["ok"], Read(copy, "PRAGMA integrity_check;"));
        Assert.Equal("delete", Assert.Single(Read(copy, "PRAGMA journal_mode;")));
        Assert.Empty(Read(copy, "SELECT name FROM sqlite_master WHERE name = 'CopyPlaceholder';"));
        Assert.Equal(["BP-COPY-1", "BP-COPY-2", "BP-COPY-3"], Read(copy, "SELECT \"PackId\" FROM \"Packs\" ORDER BY \"PackId\";"));
        // Once the live WAL is folded into the live file, both files hold the same pages; only the 100-byte header
        // differs (change counter, schema cookie, journal mode, library version).
        await services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Assert.StartsWith("0|", Assert.Single(Read(live, "PRAGMA wal_checkpoint(TRUNCATE);")));
        var expected = await File.ReadAllBytesAsync(live);
        var actual = await File.ReadAllBytesAsync(copy);
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan(100).SequenceEqual(actual.AsSpan(100)), "The copy's pages differ from the live database's.");
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(65536)]
    public void A_database_with_smaller_or_larger_pages_than_the_copy_uses_is_copied_whole_in_its_own_page_size(int pageSize)
    {
        var folder = Directory.CreateTempSubdirectory("batterymes-copy-").FullName;
        try
        {
            var live = Path.Combine(folder, "live.db");
            using (var connection = new SqliteConnection(SnapshotFile.ConnectionString(live)))
            {
                connection.Open();
                Execute(connection, $"PRAGMA page_size={pageSize}; PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT);");
                Execute(connection, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO t SELECT i, printf('row %05d ', i) || hex(randomblob(60)) FROM n;");
                var copy = Path.Combine(folder, "copy.db");

                SnapshotFile.CopyOnline(live, copy);

                Assert.Equal(pageSize, PageSize(copy));
                Assert.Equal(["ok"], Read(copy, "PRAGMA integrity_check;"));
                Assert.Equal(Read(live, "SELECT count(*), sum(id), group_concat(body, '') FROM t;"), Read(copy, "SELECT count(*), sum(id), group_concat(body, '') FROM t;"));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static long SnapshotCopyPages(string file) => new FileInfo(file).Length / SnapshotFile.CopyPageBytes;

    private static int PageSize(string file) => int.Parse(Assert.Single(Read(file, "PRAGMA page_size;")));

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Read(string file, string sql)
    {
        using var connection = new SqliteConnection(SnapshotFile.ConnectionString(file, SqliteOpenMode.ReadWrite));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i)?.ToString())));
        return rows;
    }
}
