using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

public class AutomaticSnapshotTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_save_and_a_stage_completion_each_leave_a_verified_snapshot_that_holds_them(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var automatic = services.GetRequiredService<AutomaticSnapshots>();
        await automatic.StartAsync(CancellationToken.None);
        var catalog = services.GetRequiredService<BackupCatalog>();
        var recorder = services.GetRequiredService<PackRecorder>();
        await services.CreatePacksAsync("BP-SNAP-1");

        Assert.True((await recorder.SaveStageAsync(services.AllOk("BP-SNAP-1", 1), BackupRig.Tester)).Succeeded);
        await BackupRig.EventuallyAsync(async () => catalog.List().FirstOrDefault(e => e.Trigger == "saved") is { } s
            && await BackupRig.ReadSnapshotAsync(s.FilePath, db => db.StageRecords.AnyAsync(r => r.StageNumber == 1 && r.Technician == "T. Tester")),
            "a snapshot after the save that holds the saved stage");

        Assert.True((await recorder.CompleteStageAsync("BP-SNAP-1", 1, Actor.System)).Succeeded);
        await BackupRig.EventuallyAsync(async () => catalog.List().FirstOrDefault(e => e.Trigger == "completed") is { } s
            && await BackupRig.ReadSnapshotAsync(s.FilePath, db => db.StageRecords.AnyAsync(r => r.StageNumber == 1 && r.CompletedUtc != null)),
            "a snapshot after the completion that holds the completed stage");

        // The file is readable under its final name while it is still being verified: wait for the verdict.
        await BackupRig.EventuallyAsync(() => Task.FromResult(catalog.List()[0].Problem != "Being verified."), "the newest snapshot's verdict");
        var newest = catalog.List()[0];
        Assert.True(newest.Verified, newest.Problem);
        Assert.Equal(1, newest.RowCounts["Packs"]);
        Assert.Matches(@"^battery_mes_\d{8}T\d{9}Z_(saved|completed)\.db$", newest.Name);
        Assert.Equal(provider.ToString(), newest.SourceProvider);
        await automatic.StopAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Ten_concurrent_saves_never_wait_for_the_backup_and_collapse_into_a_snapshot_that_holds_all_ten(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var ids = Enumerable.Range(1, 10).Select(i => $"BP-BURST-{i:00}").ToArray();
        await services.CreatePacksAsync(ids);
        var backups = services.GetRequiredService<BackupService>();
        var automatic = services.GetRequiredService<AutomaticSnapshots>();
        await automatic.StartAsync(CancellationToken.None);
        var recorder = services.GetRequiredService<PackRecorder>();

        // A snapshot "in progress" for the whole burst: if saves waited on backups, they could not finish.
        await backups.Gate.WaitAsync();
        try
        {
            var results = await Task.WhenAll(ids.Select(id => Task.Run(() => recorder.SaveStageAsync(services.AllOk(id, 1), BackupRig.Tester))));
            Assert.All(results, r => Assert.True(r.Succeeded, r.Message));
            Assert.Empty(backups.Catalog.List());
        }
        finally
        {
            backups.Gate.Release();
        }

        // Verification runs after the copy: wait until every snapshot has its verdict.
        await BackupRig.EventuallyAsync(async () => backups.Catalog.List() is { Count: > 0 } all && all.All(s => !s.Verifying)
            && await BackupRig.ReadSnapshotAsync(all[0].FilePath, db => db.StageRecords.CountAsync(r => r.StageNumber == 1)) == 10,
            "the newest snapshot holding all ten saved stages, verified");
        await automatic.StopAsync(CancellationToken.None);
        var snapshots = backups.Catalog.List();
        Assert.InRange(snapshots.Count, 1, 2);
        Assert.All(snapshots, s => Assert.True(s.Verified, s.Problem));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Rotation_keeps_the_newest_automatic_snapshots_and_every_manual_backup(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:Keep"] = "3" });
        await services.CreatePacksAsync("BP-ROT-1");
        var backups = services.GetRequiredService<BackupService>();

        var manual = await backups.CreateAsync(BackupTrigger.Manual);
        var automatic = new List<string>();
        for (var i = 0; i < 6; i++) automatic.Add((await backups.CreateAsync("saved")).Entry!.Name);

        var listed = backups.Catalog.List();
        Assert.Equal(automatic.TakeLast(3).Reverse(), listed.Where(e => !e.KeptApart).Select(e => e.Name));
        Assert.Contains(listed, e => e.Name == manual.Entry!.Name && e.KeptApart);
        Assert.True(File.Exists(manual.Entry!.FilePath));
        Assert.False(File.Exists(Path.Combine(database.BackupFolder(), automatic[0])));
    }

    [Fact]
    public async Task Rotation_never_removes_the_last_verified_snapshot_while_newer_ones_fail_their_check()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:Keep"] = "2" });
        var backups = services.GetRequiredService<BackupService>();
        var good = (await backups.CreateAsync("saved")).Entry!;
        // Newer snapshots that failed verification (written here by hand: the app's own copies do not fail on demand).
        for (var i = 1; i <= 3; i++)
        {
            var name = backups.Catalog.FileNameFor(good.CreatedUtc.AddSeconds(i), "saved");
            var path = Path.Combine(database.BackupFolder(), name);
            await File.WriteAllTextAsync(path, "not a database");
            BackupCatalog.WriteSidecar(path, new BackupSidecar(good.CreatedUtc.AddSeconds(i), "saved", false, "Integrity check failed", [], null, "Sqlite", 1));
        }

        backups.Rotate();

        // The failed ones count towards Keep (they take disk like any other), the verified one stands for its hour.
        Assert.True(File.Exists(good.FilePath));
        Assert.Equal([good.Name, .. Enumerable.Range(2, 2).Select(i => backups.Catalog.FileNameFor(good.CreatedUtc.AddSeconds(i), "saved"))],
            backups.Catalog.List().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_backup_folder_that_cannot_be_written_is_reported_and_saves_go_on()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        // Tests run as root, where file permissions do not stop writes: a folder path beneath a plain file cannot be created by anyone.
        var blocker = Path.Combine(database.Folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the backup folder's parent should be");
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Folders:Backups"] = Path.Combine(blocker, "backups") });
        var backups = services.GetRequiredService<BackupService>();
        var automatic = services.GetRequiredService<AutomaticSnapshots>();
        await automatic.StartAsync(CancellationToken.None);
        var recorder = services.GetRequiredService<PackRecorder>();

        await services.CreatePacksAsync("BP-RO-1");
        var save = await recorder.SaveStageAsync(services.AllOk("BP-RO-1", 1), BackupRig.Tester);

        Assert.True(save.Succeeded, save.Message);
        await BackupRig.EventuallyAsync(() => Task.FromResult(backups.LastProblem is not null), "the failed backup reported");
        Assert.Contains("could not be written", backups.LastProblem);
        Assert.Contains("Saves keep working", backups.LastProblem);
        Assert.Equal(["BP-RO-1"], await services.PackIdsAsync());
        var manual = await backups.CreateAsync(BackupTrigger.Manual);
        Assert.False(manual.Succeeded);
        Assert.Contains(Path.Combine(blocker, "backups"), manual.Message);
        await automatic.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Each_verified_snapshot_is_copied_to_the_mirror_folder_and_a_missing_mirror_is_reported()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var mirror = Path.Combine(database.Folder, "usb");
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:MirrorFolder"] = mirror });
        var backups = services.GetRequiredService<BackupService>();

        var unplugged = await backups.CreateAsync(BackupTrigger.Manual);
        Assert.True(unplugged.Succeeded, unplugged.Message);
        Assert.Contains("mirror folder", backups.MirrorProblem);
        Assert.False(Directory.Exists(mirror));

        Directory.CreateDirectory(mirror);
        var plugged = await backups.CreateAsync(BackupTrigger.Manual);
        Assert.Null(backups.MirrorProblem);
        Assert.Equal(File.ReadAllBytes(plugged.Entry!.FilePath), File.ReadAllBytes(Path.Combine(mirror, plugged.Entry.Name)));
    }

    [Fact]
    public async Task A_corrupt_or_truncated_snapshot_fails_verification_with_a_reason()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        await services.CreatePacksAsync("BP-CORRUPT-1", "BP-CORRUPT-2");
        var backups = services.GetRequiredService<BackupService>();
        var good = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        Assert.True(SnapshotFile.Verify(good.FilePath).Verified);

        var truncated = Path.Combine(database.Folder, "truncated.db");
        var bytes = await File.ReadAllBytesAsync(good.FilePath);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        var damaged = Path.Combine(database.Folder, "damaged.db");
        var scribbled = (byte[])bytes.Clone();
        for (var i = 4096; i < scribbled.Length; i += 7) scribbled[i] = 0xA5;
        await File.WriteAllBytesAsync(damaged, scribbled);
        var text = Path.Combine(database.Folder, "notes.db");
        await File.WriteAllTextAsync(text, "weekly USB copy notes");

        foreach (var file in new[] { truncated, damaged, text })
        {
            var check = SnapshotFile.Verify(file);
            Assert.False(check.Verified, file);
            Assert.False(string.IsNullOrWhiteSpace(check.Problem));
        }
    }
}
