using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Backups;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Faults;

/// <summary>Issue 9, faults: the backup folder's disk fills up, or the folder is removed, while people keep saving.
/// Real files on a real (tiny tmpfs) disk; the whole app where the message has to reach a person.</summary>
public class BackupDiskFaultTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_full_backup_disk_fails_the_snapshot_in_plain_words_removes_the_partial_file_and_saves_go_on_until_space_returns(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var backupFolder = Path.Combine(database.Folder, "backup-disk");
        await using var disk = await SmallDisk.MountAsync(backupFolder, kibibytes: 8 * 1024);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?>
        {
            ["BatteryMes:Folders:Backups"] = backupFolder,
            // No margin: the copy itself must run into the kernel's "no space left on device".
            ["BatteryMes:Backups:MinimumFreeMegabytes"] = "0",
            ["BatteryMes:Backups:LowDiskWarningMegabytes"] = "0",
            ["BatteryMes:Backups:PostgresSnapshotIntervalMinutes"] = "0",
        });
        using var client = app.CreateClient();
        await CreatePackAsync(client, "BP-FULL-1");
        await BackupRig.EventuallyAsync(async () => (await client.GetFromJsonAsync<JsonElement>("/api/backups")).EnumerateArray().Any(b => b.GetProperty("verified").GetBoolean()),
            "the snapshot after the new pack, while there is space");
        await WaitUntilIdleAsync(app);
        var filler = disk.Fill(leaveBytes: 16 * 1024);
        var before = ListBackupFiles(backupFolder);

        Assert.Equal(HttpStatusCode.OK, (await SaveAsync(client, "BP-FULL-1", "Full")).StatusCode);

        await BackupRig.EventuallyAsync(async () => (await StatusAsync(client)).GetProperty("lastProblem").GetString() is { } p && p.Contains("is full"),
            "the full disk reported in the backup status the Backups tab shows");
        var problem = (await StatusAsync(client)).GetProperty("lastProblem").GetString()!;
        Assert.Contains(backupFolder, problem);
        Assert.Contains("saves keep working", problem);
        Assert.Contains("unfinished file was removed", problem);
        await WaitUntilIdleAsync(app);
        Assert.Equal(before, ListBackupFiles(backupFolder));
        Assert.Empty(Directory.GetFiles(backupFolder, "*.partial", SearchOption.AllDirectories));
        await BackupRig.EventuallyAsync(() => Task.FromResult(LogText(database).Contains($"could not be written to {backupFolder}")),
            "the failed snapshot in the log file");

        // Saves keep working, and nothing stored is lost.
        await CreatePackAsync(client, "BP-FULL-2");
        Assert.Equal(HttpStatusCode.OK, (await SaveAsync(client, "BP-FULL-2", "Second")).StatusCode);
        Assert.Equal("Full", await RemarksAsync(client, "BP-FULL-1"));
        Assert.Equal("Second", await RemarksAsync(client, "BP-FULL-2"));

        File.Delete(filler);
        Assert.Equal(HttpStatusCode.OK, (await SaveAsync(client, "BP-FULL-1", "After")).StatusCode);

        await BackupRig.EventuallyAsync(async () => (await client.GetFromJsonAsync<JsonElement>("/api/backups")).EnumerateArray()
                .Any(b => b.GetProperty("verified").GetBoolean() && b.GetProperty("rowCounts").GetProperty("Packs").GetInt64() == 2),
            "a verified snapshot with both packs once space is back");
        await BackupRig.EventuallyAsync(async () => (await StatusAsync(client)).GetProperty("lastProblem").ValueKind == JsonValueKind.Null,
            "the problem cleared by the next good snapshot");
        await WaitUntilIdleAsync(app);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_snapshot_that_would_leave_less_than_the_free_space_margin_is_not_started_and_says_why(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var backupFolder = Path.Combine(database.Folder, "backup-disk");
        await using var disk = await SmallDisk.MountAsync(backupFolder, kibibytes: 4 * 1024);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?>
        {
            ["BatteryMes:Folders:Backups"] = backupFolder,
            ["BatteryMes:Backups:MinimumFreeMegabytes"] = "8",
        });
        await services.CreatePacksAsync("BP-MARGIN-1");
        var backups = services.GetRequiredService<BackupService>();

        var refused = await backups.CreateAsync(BackupTrigger.Manual);

        Assert.False(refused.Succeeded);
        Assert.Null(refused.Entry);
        Assert.Contains("No backup was taken", refused.Message);
        Assert.Contains("BatteryMes:Backups:MinimumFreeMegabytes", refused.Message);
        Assert.Equal(refused.Message, backups.LastProblem);
        Assert.Empty(Directory.GetFileSystemEntries(backupFolder, "*", SearchOption.AllDirectories));
        Assert.Contains("will not be taken", (await backups.GetStorageAsync()).DiskWarning);
        Assert.Equal(["BP-MARGIN-1"], await services.PackIdsAsync());
    }

    [Fact]
    public async Task On_a_nearly_full_backup_disk_a_manual_backup_is_refused_with_the_numbers_automatic_snapshots_go_on_and_the_tab_warns_the_plan_does_not_fit()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var backupFolder = Path.Combine(database.Folder, "backup-disk");
        await using var disk = await SmallDisk.MountAsync(backupFolder, kibibytes: 8 * 1024);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?>
        {
            ["BatteryMes:Folders:Backups"] = backupFolder,
            // Automatic snapshots may use the disk down to 1 MB; manual ones must leave the 4 MB warning level free.
            ["BatteryMes:Backups:MinimumFreeMegabytes"] = "1",
            ["BatteryMes:Backups:LowDiskWarningMegabytes"] = "4",
            ["BatteryMes:Backups:MinimumSecondsBetweenSnapshots"] = "0",
        });
        using var client = app.CreateClient();
        await CreatePackAsync(client, "BP-NEAR-1");
        await WaitUntilIdleAsync(app);
        var filler = disk.Fill(leaveBytes: 3 * 1024 * 1024);
        var free = disk.FreeBytes;

        using var refused = await client.PostAsJsonAsync("/api/backups", new { });

        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("No backup was taken: it needs about ", detail);
        Assert.Contains($"has {BackupFormat.Size(free)} free", detail);
        Assert.Contains("4 MB kept free for the automatic snapshots", detail);
        Assert.Contains("LowDiskWarningMegabytes", detail);
        Assert.DoesNotContain(Directory.GetFiles(backupFolder, "*", SearchOption.AllDirectories), f => f.Contains("manual") || f.EndsWith(".partial"));

        // The automatic snapshot still has room above its own 1 MB margin.
        Assert.Equal(HttpStatusCode.OK, (await SaveAsync(client, "BP-NEAR-1", "T. Near")).StatusCode);
        await BackupRig.EventuallyAsync(async () => (await client.GetFromJsonAsync<JsonElement>("/api/backups")).EnumerateArray()
                .Any(b => b.GetProperty("verified").GetBoolean() && b.GetProperty("trigger").GetString() == "saved" && b.GetProperty("createdUtc").GetDateTime() > DateTime.UtcNow.AddMinutes(-1)),
            "a verified automatic snapshot after the save, on the nearly full disk");
        await WaitUntilIdleAsync(app);
        var status = await StatusAsync(client);
        Assert.Contains("cannot hold the retention plan", status.GetProperty("planWarning").GetString());
        Assert.Contains("give the backup folder a larger disk", status.GetProperty("planWarning").GetString());
        Assert.True(status.GetProperty("planBytes").GetInt64() > disk.FreeBytes);
        Assert.Equal("T. Near", await RemarksAsync(client, "BP-NEAR-1"));
        File.Delete(filler);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_backup_folder_removed_while_the_app_runs_is_created_again_said_clearly_and_saves_go_on(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var backups = services.GetRequiredService<BackupService>();
        var automatic = services.GetRequiredService<AutomaticSnapshots>();
        await automatic.StartAsync(CancellationToken.None);
        var recorder = services.GetRequiredService<PackRecorder>();
        await services.CreatePacksAsync("BP-GONE-1");
        await BackupRig.EventuallyAsync(() => Task.FromResult(backups.Catalog.List().Any(e => e.Verified)), "a first verified snapshot");
        await backups.Gate.WaitAsync();
        backups.Gate.Release();

        Directory.Delete(database.BackupFolder(), recursive: true);
        var save = await recorder.SaveStageAsync(services.AllOk("BP-GONE-1", 1), BackupRig.Tester);

        Assert.True(save.Succeeded, save.Message);
        await BackupRig.EventuallyAsync(async () => backups.Catalog.List().FirstOrDefault(e => e.Verified) is { } s
            && await BackupRig.ReadSnapshotAsync(s.FilePath, db => db.StageRecords.AnyAsync(r => r.Technician == "T. Tester")),
            "a verified snapshot holding the save in the recreated folder");
        Assert.NotNull(backups.FolderNotice);
        Assert.Contains(database.BackupFolder(), backups.FolderNotice);
        Assert.Contains("disappeared", backups.FolderNotice);
        Assert.Contains("created again", backups.FolderNotice);
        Assert.Null(backups.LastProblem);
        Assert.Equal(["BP-GONE-1"], await services.PackIdsAsync());
        await automatic.StopAsync(CancellationToken.None);
    }

    internal static async Task CreatePackAsync(HttpClient client, string packId) =>
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/packs", new { packId })).StatusCode);

    /// <summary>Saves a result of stage 1 with <paramref name="remarks"/>, which tell afterwards which save was kept.</summary>
    internal static Task<HttpResponseMessage> SaveAsync(HttpClient client, string packId, string remarks) =>
        client.PutAsJsonAsync($"/api/packs/{packId}/stages/1", new { remarks, results = new[] { new { checkCode = "1.1.1", moduleX = "OK", moduleY = "OK", measuredX = 3.59, measuredY = 3.59 } } });

    internal static async Task<string?> RemarksAsync(HttpClient client, string packId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/packs/{packId}/stages/1")).GetProperty("remarks").GetString();

    private static Task<JsonElement> StatusAsync(HttpClient client) => client.GetFromJsonAsync<JsonElement>("/api/backups/status");

    /// <summary>No snapshot running (the automatic one after the last change has finished or not yet begun).</summary>
    internal static async Task WaitUntilIdleAsync(MesAppFactory app)
    {
        var backups = app.Services.GetRequiredService<BackupService>();
        await Task.Delay(200);
        await backups.Gate.WaitAsync();
        backups.Gate.Release();
    }

    private static string[] ListBackupFiles(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "filler.bin").Order(StringComparer.Ordinal).ToArray();

    private static string LogText(TestDatabase database)
    {
        var folder = Path.Combine(database.Folder, "logs");
        if (!Directory.Exists(folder)) return "";
        return string.Concat(Directory.GetFiles(folder).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }));
    }
}
