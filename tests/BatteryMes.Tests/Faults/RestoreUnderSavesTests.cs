using BatteryMes.Tests.Backups;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Faults;

/// <summary>A restore while a technician keeps saving: no torn state. Afterwards the database passes its check, every
/// pack of the backup is there as it was in the backup, what was saved after the backup and before the restore is
/// gone (it lives on in the safety snapshot), no stage is half-written, and saving goes on.</summary>
public class RestoreUnderSavesTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_restore_while_saves_go_on_leaves_exactly_the_backup_plus_whole_saves_and_no_torn_stage(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        var recorder = services.GetRequiredService<PackRecorder>();
        var checksInStage1 = services.GetRequiredService<ProcessRoute>().GetStage(1).Checks.Count;

        string[] backedUp = ["BP-KEEP-1", "BP-KEEP-2", "BP-KEEP-3"];
        await services.CreatePacksAsync(backedUp);
        foreach (var id in backedUp)
            Assert.True((await recorder.SaveStageAsync(services.AllOk(id, 1), BackupRig.Technician("In the backup"))).Succeeded);
        var backup = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;

        // Saved after the backup and acknowledged before the restore begins: the restore takes these away.
        string[] beforeRestore = ["BP-GONE-1", "BP-GONE-2"];
        await services.CreatePacksAsync(beforeRestore);

        // A technician saving in a loop through the restore, and a few saves after it.
        var restoreDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterRestore = new List<string>();
        var failures = new List<string>();
        var saving = Task.Run(async () =>
        {
            var extra = 0;
            for (var n = 1; n <= 100_000 && extra < 3; n++)
            {
                var startedAfterRestore = restoreDone.Task.IsCompleted;
                var id = $"BP-LIVE-{n:D3}";
                var created = await recorder.CreatePackAsync(id, null, null, Actor.System);
                var saved = created.Succeeded ? await recorder.SaveStageAsync(services.AllOk(id, 1), BackupRig.Technician("Live")) : null;
                if (startedAfterRestore)
                {
                    extra++;
                    if (created.Succeeded && saved!.Succeeded) afterRestore.Add(id);
                    else failures.Add($"{id}: {created.Message} {saved?.Message}");
                }
            }
        });

        var result = await restorer.RestoreAsync(backup.Name, BackupRig.AdminLogin, BackupRig.AdminPasswordText, "fault test");
        restoreDone.SetResult();
        await saving.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(result.Succeeded, result.Message);
        Assert.Empty(failures);
        Assert.Equal(3, afterRestore.Count);
        if (provider == DatabaseProvider.Sqlite)
        {
            await using var connection = new SqliteConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", await check.ExecuteScalarAsync() as string);
        }

        await using var db = await services.OpenAsync();
        var packs = await db.Packs.AsNoTracking().Select(p => p.PackId).ToListAsync();
        Assert.All(backedUp, id => Assert.Contains(id, packs));
        Assert.All(beforeRestore, id => Assert.DoesNotContain(id, packs));
        Assert.All(afterRestore, id => Assert.Contains(id, packs));
        Assert.All(packs, id => Assert.True(backedUp.Contains(id) || id.StartsWith("BP-LIVE-", StringComparison.Ordinal), $"Unexpected pack {id}"));

        // Whole stages only: every stage record holds all its checks, and the backup's stages are as they were.
        var stages = await db.StageRecords.AsNoTracking()
            .Select(s => new { s.Pack.PackId, s.StageNumber, s.Technician, Checks = s.Results.Count }).ToListAsync();
        Assert.All(stages, s => Assert.Equal(checksInStage1, s.Checks));
        Assert.All(backedUp, id => Assert.Equal("In the backup", Assert.Single(stages, s => s.PackId == id).Technician));
        Assert.All(afterRestore, id => Assert.Equal("Live", Assert.Single(stages, s => s.PackId == id).Technician));
    }
}
