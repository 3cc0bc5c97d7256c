using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>A snapshot is written first and verified right after: the history shows it as "verifying" in between, a
/// snapshot being verified never lets rotation delete an older good one, and the check's depth follows the settings.</summary>
public class SnapshotPhasesTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_written_snapshot_is_listed_as_verifying_until_its_check_records_the_verdict_and_the_times(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        await services.CreatePacksAsync("BP-PHASE-1", "BP-PHASE-2");
        var backups = services.GetRequiredService<BackupService>();

        var (written, failure) = await backups.WriteAsync(BackupTrigger.Manual, 0, CancellationToken.None);

        Assert.Null(failure);
        var listed = Assert.Single(backups.Catalog.List());
        Assert.Equal(written!.Name, listed.Name);
        Assert.True(listed.Verifying);
        Assert.False(listed.Verified);
        Assert.NotNull(listed.CopySeconds);
        Assert.Empty(Directory.GetFiles(database.BackupFolder(), "*.partial", SearchOption.AllDirectories));

        var result = await backups.VerifyAsync(written, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        var verified = Assert.Single(backups.Catalog.List());
        Assert.False(verified.Verifying);
        Assert.True(verified.Verified, verified.Problem);
        Assert.Equal("integrity_check", verified.Check);
        Assert.Equal(2, verified.RowCounts["Packs"]);
        Assert.NotNull(verified.VerifySeconds);
        Assert.NotNull(result.CopyTime);
        Assert.NotNull(result.VerifyTime);
    }

    [Fact]
    public async Task Rotation_does_not_count_a_snapshot_that_is_still_being_verified_as_a_newer_verified_one()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:Keep"] = "1" });
        var backups = services.GetRequiredService<BackupService>();
        var good = (await backups.CreateAsync("saved")).Entry!;

        var (pending, _) = await backups.WriteAsync("saved", 1, CancellationToken.None);
        backups.Rotate();

        Assert.True(File.Exists(good.FilePath));
        Assert.Equal([pending!.Name, good.Name], backups.Catalog.List().Select(e => e.Name));
        Assert.True((await backups.VerifyAsync(pending, CancellationToken.None)).Succeeded);
        Assert.False(File.Exists(good.FilePath));
    }

    [Fact]
    public async Task Automatic_snapshots_get_the_full_check_first_and_then_every_FullCheckHours_and_quick_check_in_between_while_manual_ones_always_get_the_full_check()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:FullCheckHours"] = "24" });
        await services.CreatePacksAsync("BP-DEPTH-1");
        var backups = services.GetRequiredService<BackupService>();

        var first = (await backups.CreateAsync("saved")).Entry!;
        var second = (await backups.CreateAsync("saved")).Entry!;
        var manual = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;

        Assert.Equal("integrity_check", first.Check);
        Assert.Equal("quick_check", second.Check);
        Assert.True(second.Verified, second.Problem);
        Assert.Equal(1, second.RowCounts["Packs"]);
        Assert.Equal("integrity_check", manual.Check);
        Assert.Equal(SnapshotCheckDepth.Full, backups.DepthFor("saved", DateTime.UtcNow.AddHours(25)));
        Assert.Equal(SnapshotCheckDepth.Quick, backups.DepthFor("saved", DateTime.UtcNow.AddHours(1)));
    }

    [Fact]
    public async Task With_FullCheckHours_0_every_snapshot_gets_the_full_integrity_check()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database, new Dictionary<string, string?> { ["BatteryMes:Backups:FullCheckHours"] = "0" });
        var backups = services.GetRequiredService<BackupService>();

        await backups.CreateAsync("saved");
        var second = (await backups.CreateAsync("saved")).Entry!;

        Assert.Equal("integrity_check", second.Check);
    }

    [Fact]
    public async Task A_quick_check_still_finds_damaged_pages_in_a_snapshot()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        await services.CreatePacksAsync(Enumerable.Range(1, 40).Select(i => $"BP-QUICK-{i:00}").ToArray());
        var good = (await services.GetRequiredService<BackupService>().CreateAsync(BackupTrigger.Manual)).Entry!;
        Assert.True(SnapshotFile.Verify(good.FilePath, SnapshotCheckDepth.Quick).Verified);
        var bytes = await File.ReadAllBytesAsync(good.FilePath);
        // Scribble over every page but the first (the header): b-tree pages no longer parse.
        for (var i = 4096; i < bytes.Length; i += 7) bytes[i] = 0xA5;
        var damaged = Path.Combine(database.Folder, "damaged.db");
        await File.WriteAllBytesAsync(damaged, bytes);

        var check = SnapshotFile.Verify(damaged, SnapshotCheckDepth.Quick);

        Assert.False(check.Verified);
        Assert.Equal("quick_check", check.Check);
        Assert.False(string.IsNullOrWhiteSpace(check.Problem));
    }
}
