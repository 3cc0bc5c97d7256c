using System.Diagnostics;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace BatteryMes.Tests.Backups;

/// <summary>The built BatteryMes.dll run as a process, as an operator would when the web app cannot start.</summary>
public class CommandLineTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_command_line_restore_brings_a_backup_back_without_the_web_app(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        string backupFile;
        await using (var services = await BackupRig.StartAsync(database))
        {
            await services.CreatePacksAsync("BP-CLI-OLD");
            backupFile = (await services.GetRequiredService<BackupService>().CreateAsync(BackupTrigger.Manual)).Entry!.FilePath;
            await services.CreatePacksAsync("BP-CLI-NEW");
        }
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();

        var (exitCode, stdout, stderr) = await BackupRig.RunAppAsync(database, ["restore", backupFile]);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stdout} {stderr}");
        Assert.Contains("Restored", stdout);
        await using var after = database.BuildServices();
        Assert.Equal(["BP-CLI-OLD"], await after.PackIdsAsync());
        var safety = Directory.GetFiles(Path.Combine(database.BackupFolder(), BackupCatalog.ManualFolderName), "*_before-restore.db").Single();
        Assert.Equal(["BP-CLI-NEW", "BP-CLI-OLD"], await BackupRig.SnapshotPackIdsAsync(safety));
    }

    [Fact]
    public async Task The_command_line_restore_of_a_damaged_file_fails_with_a_reason_and_leaves_the_database_alone()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using (var services = await BackupRig.StartAsync(database)) await services.CreatePacksAsync("BP-CLI-LIVE");
        SqliteConnection.ClearAllPools();
        var damaged = Path.Combine(database.Folder, "usb-copy.db");
        await File.WriteAllTextAsync(damaged, "SQLite format 3\0 but then nothing useful");

        var (exitCode, _, stderr) = await BackupRig.RunAppAsync(database, ["restore", damaged]);

        Assert.Equal(1, exitCode);
        Assert.Contains("was not restored", stderr);
        await using var after = database.BuildServices();
        Assert.Equal(["BP-CLI-LIVE"], await after.PackIdsAsync());
    }
}
