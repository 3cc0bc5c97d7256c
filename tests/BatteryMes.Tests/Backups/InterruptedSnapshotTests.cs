using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>The app stopped (crash, kill -9, power cut) between a snapshot's copy and its check. The next start checks
/// such snapshots, so the history never shows a permanent "Verifying", and clears away a copy cut off half-way.</summary>
public class InterruptedSnapshotTests
{
    [Fact]
    public async Task Snapshots_an_earlier_run_left_verifying_are_checked_at_the_next_start_and_end_verified_or_flagged_and_unfinished_copies_are_removed()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var folder = database.BackupFolder();
        string good, damaged;
        // The earlier run: two snapshots copied but never checked, which is what a kill between the two phases leaves
        // on disk (the file under its final name, its record saying "verifying"). The second is damaged afterwards.
        await using (var services = await BackupRig.StartAsync(database))
        {
            await services.CreatePacksAsync("BP-INT-1", "BP-INT-2");
            var backups = services.GetRequiredService<BackupService>();
            good = (await backups.WriteAsync("saved", 2, CancellationToken.None)).Written!.FilePath;
            damaged = (await backups.WriteAsync("completed", 1, CancellationToken.None)).Written!.FilePath;
            Assert.All(backups.Catalog.List(), e => Assert.True(e.Verifying));
        }
        SqliteConnection.ClearAllPools();
        await using (var file = new FileStream(damaged, FileMode.Open)) file.SetLength(file.Length / 2);
        // A kill during a copy leaves its temporary file, or (between record and rename) a record without its file.
        var cutOff = Path.Combine(folder, "battery_mes_20261129T080000000Z_saved.db.partial");
        var orphanRecord = Path.Combine(folder, "battery_mes_20261129T080000001Z_saved.db.json");
        await File.WriteAllBytesAsync(cutOff, new byte[8192]);
        await File.WriteAllTextAsync(orphanRecord, "{}");

        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        await BackupRig.EventuallyAsync(async () => (await ListAsync(client)).All(b => !b.GetProperty("verifying").GetBoolean()),
            "no backup listed as verifying after the start");
        var listed = (await ListAsync(client)).ToDictionary(b => b.GetProperty("name").GetString()!);
        var checkedGood = listed[Path.GetFileName(good)];
        Assert.True(checkedGood.GetProperty("verified").GetBoolean(), checkedGood.GetProperty("problem").ToString());
        Assert.Equal("integrity_check", checkedGood.GetProperty("check").GetString());
        Assert.Equal(2, checkedGood.GetProperty("rowCounts").GetProperty("Packs").GetInt64());
        var flagged = listed[Path.GetFileName(damaged)];
        Assert.False(flagged.GetProperty("verified").GetBoolean());
        Assert.Contains("cannot be read as a database", flagged.GetProperty("problem").GetString());
        Assert.True(File.Exists(damaged), "A snapshot that fails its check is kept aside, flagged, not deleted.");
        var lastProblem = (await client.GetFromJsonAsync<JsonElement>("/api/backups/status")).GetProperty("lastProblem").GetString();
        Assert.Contains(Path.GetFileName(damaged), lastProblem);
        Assert.False(File.Exists(cutOff));
        Assert.False(File.Exists(orphanRecord));
        Assert.Equal(2, listed.Count);
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/backups")).EnumerateArray().ToList();
}
