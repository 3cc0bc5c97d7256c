using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Quality;

/// <summary>Packs registered while IDs were case-sensitive: the upgrade turns them to upper case with their history,
/// and never merges two packs whose IDs differ only in case; an admin renames one.</summary>
public class LegacyPackIdTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_upgrade_turns_lone_IDs_to_upper_case_and_lists_IDs_that_differ_only_in_case_for_a_rename(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using (var services = database.BuildServices())
        {
            await using var db = await services.OpenAsync();
            var migrations = db.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_CanonicalPackIds", StringComparison.Ordinal)) - 1];
            await db.GetService<IMigrator>().MigrateAsync(before);
            var now = DateTime.UtcNow;
            var later = now.AddSeconds(1);
            // Plain SQL with the columns of that schema: the current model has columns the old tables do not.
            foreach (var (id, created) in new[] { ("bp-legacy-1", now), ("bp-dup", now), ("BP-DUP", later) })
                await db.Database.ExecuteSqlInterpolatedAsync(
                    $"INSERT INTO \"Packs\" (\"PackId\", \"CreatedUtc\", \"UpdatedUtc\", \"Status\", \"CurrentStage\") VALUES ({id}, {created}, {now}, {0}, {1})");
            foreach (var id in new[] { "bp-legacy-1", "bp-dup" })
                await db.Database.ExecuteSqlInterpolatedAsync(
                    $"INSERT INTO \"AuditLog\" (\"AtUtc\", \"PackId\", \"Action\", \"Field\") VALUES ({now}, {id}, {"Create"}, {"Pack"})");
        }

        await using var app = await database.StartAsync();
        await using (var db = await app.OpenAsync())
        {
            Assert.Equal(["BP-DUP", "BP-LEGACY-1", "bp-dup"], (await db.Packs.Select(p => p.PackId).ToListAsync()).Order(StringComparer.Ordinal));
            Assert.Equal(["BP-LEGACY-1", "bp-dup"], (await db.AuditLog.Select(a => a.PackId).ToListAsync()).Order(StringComparer.Ordinal));
        }
        var conflicts = app.GetRequiredService<PackIdCaseConflicts>();
        var group = Assert.Single(await conflicts.ListAsync());
        Assert.Equal(["bp-dup", "BP-DUP"], group);

        var admin = TestPeople.Admin.Actor();
        var taken = await conflicts.RenameAsync("bp-dup", "Bp-Dup", admin);
        var renamed = await conflicts.RenameAsync("bp-dup", "bp-dup-2", admin);

        Assert.Equal(RecordingStatus.AlreadyExists, taken.Status);
        Assert.True(renamed.Succeeded, renamed.Message);
        Assert.Empty(await conflicts.ListAsync());
        var history = await app.GetRequiredService<PackRecorder>().GetHistoryAsync("BP-DUP-2");
        Assert.Contains(history, a => a.Action == "Create");
        Assert.Contains(history, a => a.Action == "Rename" && a.OldValue == "bp-dup" && a.UserLogin == TestPeople.Admin.Login);
    }
}
