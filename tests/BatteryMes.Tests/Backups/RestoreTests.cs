using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

public class RestoreTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Restore_brings_the_old_data_back_keeps_a_safety_snapshot_of_the_newer_state_and_tells_every_page(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        var recorder = services.GetRequiredService<PackRecorder>();
        var notices = new List<PackChangeKind>();
        using var subscription = services.GetRequiredService<PackChangeFeed>().Subscribe(c => { lock (notices) notices.Add(c.Kind); return Task.CompletedTask; });

        await services.CreatePacksAsync("BP-OLD-1", "BP-OLD-2");
        Assert.True((await recorder.SaveStageAsync(services.AllOk("BP-OLD-1", 1), BackupRig.Technician("Before"))).Succeeded);
        var before = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        await services.CreatePacksAsync("BP-NEW-1");
        Assert.True((await recorder.SaveStageAsync(services.AllOk("BP-OLD-1", 1), BackupRig.Technician("After"))).Succeeded);

        var result = await restorer.RestoreAsync(before.Name, BackupRig.AdminLogin, BackupRig.AdminPasswordText, "test");

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(["BP-OLD-1", "BP-OLD-2"], await services.PackIdsAsync());
        Assert.Equal("Before", (await recorder.GetStageAsync("BP-OLD-1", 1))!.Technician);
        var safety = backups.Catalog.Find(result.SafetySnapshot)!;
        Assert.Equal(BackupTrigger.BeforeRestore, safety.Trigger);
        Assert.True(safety.KeptApart);
        Assert.True(safety.Verified, safety.Problem);
        Assert.Equal(["BP-NEW-1", "BP-OLD-1", "BP-OLD-2"], await BackupRig.SnapshotPackIdsAsync(safety.FilePath));
        lock (notices) Assert.Contains(PackChangeKind.DatabaseRestored, notices);

        // Work goes on after the restore, with fresh ids that do not collide with the restored rows.
        await services.CreatePacksAsync("BP-AFTER-1");
        Assert.True((await recorder.SaveStageAsync(services.AllOk("BP-AFTER-1", 1), BackupRig.Tester)).Succeeded);
        Assert.Equal(["BP-AFTER-1", "BP-OLD-1", "BP-OLD-2"], await services.PackIdsAsync());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Restore_brings_production_data_back_but_leaves_people_passwords_api_keys_and_sign_in_keys_as_they_are_now(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var people = services.GetRequiredService<BatteryMes.Web.Features.Identity.PeopleDirectory>();
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        var (oldKey, _) = await people.CreateApiKeyAsync(BackupRig.AdminLogin, "line PLC", "tests");
        await services.CreatePacksAsync("BP-OLD-1");
        var before = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;

        // Since the backup: a new operator, the admin's password changed, the old key revoked, a sign-in key made.
        Assert.True((await people.AddAsync(new BatteryMes.Web.Features.Identity.NewPerson("nadia", "Nadia New", [BatteryMes.Web.Domain.Role.Operator], "5678", null), "tests")).Succeeded);
        const string newPassword = "changed-after-the-backup";
        Assert.True((await people.SetPasswordAsync(BackupRig.AdminLogin, newPassword, "tests")).Succeeded);
        var keys = await people.ListApiKeysAsync();
        Assert.True((await people.RevokeApiKeyAsync(keys.Single(k => k.Name == "line PLC").Id, "tests")).Succeeded);
        var contexts = services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<BatteryMes.Web.Data.MesDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.DataProtectionKeys.Add(new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey { FriendlyName = "key-made-after-the-backup", Xml = "<key id=\"after\" />" });
            await db.SaveChangesAsync();
        }
        await services.CreatePacksAsync("BP-NEW-1");

        var result = await restorer.RestoreAsync(before.Name, BackupRig.AdminLogin, newPassword, "test");

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(["BP-OLD-1"], await services.PackIdsAsync());
        Assert.True((await people.VerifyAsync("nadia", "5678", BatteryMes.Web.Features.Identity.CredentialUse.SignIn)).Accepted);
        Assert.True((await people.VerifyAsync(BackupRig.AdminLogin, newPassword, BatteryMes.Web.Features.Identity.CredentialUse.SignIn)).Accepted);
        Assert.False((await people.VerifyAsync(BackupRig.AdminLogin, BackupRig.AdminPasswordText, BatteryMes.Web.Features.Identity.CredentialUse.SignIn)).Accepted);
        Assert.False((await people.AuthenticateApiKeyAsync(oldKey!)).Accepted);
        await using (var db = await contexts.CreateDbContextAsync())
            Assert.Equal(["key-made-after-the-backup"], db.DataProtectionKeys.Select(k => k.FriendlyName).ToList());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Restore_is_refused_without_the_right_admin_password_and_changes_nothing(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        var empty = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        await services.CreatePacksAsync("BP-KEEP-1");

        foreach (var password in new[] { null, "", BackupRig.AdminPasswordText + " ", "wrong" })
        {
            var result = await restorer.RestoreAsync(empty.Name, BackupRig.AdminLogin, password, "test");
            Assert.Equal(RestoreStatus.SignatureRefused, result.Status);
            Assert.Contains("Nothing was changed", result.Message);
        }
        Assert.Equal(["BP-KEEP-1"], await services.PackIdsAsync());
        Assert.DoesNotContain(backups.Catalog.List(), e => e.Trigger == BackupTrigger.BeforeRestore);
    }

    [Fact]
    public async Task A_restore_signed_by_someone_who_is_not_an_admin_or_with_a_PIN_is_refused_and_changes_nothing()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        var people = services.GetRequiredService<BatteryMes.Web.Features.Identity.PeopleDirectory>();
        await people.AddAsync(new BatteryMes.Web.Features.Identity.NewPerson(TestPeople.Supervisor.Login, TestPeople.Supervisor.FullName, TestPeople.Supervisor.Roles, "4321", TestPeople.Supervisor.Password), "tests");
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        var entry = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        await services.CreatePacksAsync("BP-KEEP-2");

        var bySupervisor = await restorer.RestoreAsync(entry.Name, TestPeople.Supervisor.Login, TestPeople.Supervisor.Password, "test");
        var withPin = await restorer.RestoreAsync(entry.Name, TestPeople.Supervisor.Login, "4321", "test");

        Assert.Equal(RestoreStatus.SignatureRefused, bySupervisor.Status);
        Assert.Contains("Admin role", bySupervisor.Message);
        Assert.Equal(RestoreStatus.SignatureRefused, withPin.Status);
        Assert.Contains("password, not a PIN", withPin.Message);
        Assert.Equal(["BP-KEEP-2"], await services.PackIdsAsync());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_truncated_file_or_one_from_a_newer_schema_is_refused_before_the_live_data_is_touched(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await BackupRig.StartAsync(database);
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        await services.CreatePacksAsync("BP-OLDER");
        var good = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;
        await services.CreatePacksAsync("BP-LIVE");

        var truncated = Path.Combine(backups.Catalog.ManualFolder, backups.Catalog.FileNameFor(DateTime.UtcNow.AddMinutes(1), BackupTrigger.Manual));
        var bytes = await File.ReadAllBytesAsync(good.FilePath);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 3)]);
        var newer = Path.Combine(backups.Catalog.ManualFolder, backups.Catalog.FileNameFor(DateTime.UtcNow.AddMinutes(2), BackupTrigger.Manual));
        File.Copy(good.FilePath, newer);
        await using (var connection = new SqliteConnection(SnapshotFile.ConnectionString(newer)))
        {
            connection.Open();
            SnapshotFile.Execute(connection, "INSERT INTO \"__EFMigrationsHistory\" VALUES ('29990101000000_FromTheFuture', '99.0.0');");
        }

        var truncatedResult = await restorer.RestoreAsync(Path.GetFileName(truncated), BackupRig.AdminLogin, BackupRig.AdminPasswordText, "test");
        var newerResult = await restorer.RestoreAsync(Path.GetFileName(newer), BackupRig.AdminLogin, BackupRig.AdminPasswordText, "test");

        Assert.Equal(RestoreStatus.Refused, truncatedResult.Status);
        Assert.Contains("live data is unchanged", truncatedResult.Message);
        Assert.Equal(RestoreStatus.Refused, newerResult.Status);
        Assert.Contains("newer version", newerResult.Message);
        Assert.Equal(["BP-LIVE", "BP-OLDER"], await services.PackIdsAsync());
        Assert.DoesNotContain(backups.Catalog.List(), e => e.Trigger == BackupTrigger.BeforeRestore);
    }

    [Fact]
    public async Task A_second_restore_while_one_runs_is_told_to_wait()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        var backups = services.GetRequiredService<BackupService>();
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        var entry = (await backups.CreateAsync(BackupTrigger.Manual)).Entry!;

        // The first restore holds on at the snapshot lock (held here), as a long restore would.
        await backups.Gate.WaitAsync();
        Task<RestoreResult> first;
        try
        {
            first = Task.Run(() => restorer.RestoreAsync(entry.Name, BackupRig.AdminLogin, BackupRig.AdminPasswordText, "admin 1"));
            // Wait until the first restore is under way: a second one started earlier would take the lock itself
            // and then wait at the snapshot lock this test holds, forever.
            await BackupRig.EventuallyAsync(() => Task.FromResult(restorer.IsRunning), "the first restore under way");

            var second = await restorer.RestoreAsync(entry.Name, BackupRig.AdminLogin, BackupRig.AdminPasswordText, "admin 2");

            Assert.Equal(RestoreStatus.Busy, second.Status);
            Assert.Contains("Another restore is running", second.Message);
        }
        finally
        {
            backups.Gate.Release();
        }
        Assert.True((await first).Succeeded);
    }

    [Fact]
    public async Task A_name_that_is_not_a_listed_backup_is_not_found_even_with_path_characters()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await BackupRig.StartAsync(database);
        var restorer = services.GetRequiredService<DatabaseRestorer>();
        await services.GetRequiredService<BackupService>().CreateAsync(BackupTrigger.Manual);

        foreach (var name in new[] { "../battery_mes.db", "manual/../../battery_mes.db", database.ConnectionString[12..], "battery_mes.db" })
            Assert.Equal(RestoreStatus.NotFound, (await restorer.RestoreAsync(name, BackupRig.AdminLogin, BackupRig.AdminPasswordText, "test")).Status);
    }
}
