using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Data;

public class PersistenceTests
{
    private static readonly Actor Tech = new("Asha", "10.0.0.5", "asha");

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_keep_a_pack_and_its_results_after_a_restart(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using (var app = await database.StartAsync())
        {
            var recorder = app.GetRequiredService<PackRecorder>();
            Assert.True((await recorder.CreatePackAsync("BP-2026-0001", "MX-1", "MY-1", Tech)).Succeeded);
            var saved = await recorder.SaveStageAsync(new StageSave("BP-2026-0001", 1,
                [new CheckInput("1.1.1", MeasuredX: 3.59, MeasuredY: 3.62), new CheckInput("1.2.1", QcResult.Ok, QcResult.NotApplicable)],
                Remarks: "Batch 7 cells"), Tech);
            Assert.True(saved.Succeeded, saved.Message);
        }

        await using var restarted = await database.StartAsync();
        await using var db = await restarted.OpenAsync();
        var pack = await db.Packs.Include(p => p.Stages).ThenInclude(s => s.Results).SingleAsync();
        Assert.Equal(("BP-2026-0001", "MX-1", "MY-1"), (pack.PackId, pack.ModuleXSerial, pack.ModuleYSerial));
        Assert.Equal(PackStatus.QcIssues, pack.Status);
        var stage = Assert.Single(pack.Stages);
        Assert.Equal(StageStatus.QcNotOk, stage.Status);
        // The technician is the person who saved; no one has signed the stage off.
        Assert.Equal(("Asha", (string?)null, (string?)null, "Batch 7 cells"), (stage.Technician, stage.QcInspector, stage.SignedOffBy, stage.Remarks));
        Assert.NotNull(stage.StartedUtc);
        Assert.Equal(DateTimeKind.Utc, stage.StartedUtc!.Value.Kind);
        var voltage = stage.Results.Single(r => r.CheckCode == "1.1.1");
        Assert.Equal((QcResult.Ok, QcResult.NotOk, 3.59, 3.62), (voltage.ModuleX, voltage.ModuleY, voltage.MeasuredX, voltage.MeasuredY));
        Assert.True(await db.AuditLog.CountAsync(a => a.PackId == "BP-2026-0001") >= 8);
        Assert.All(await db.AuditLog.Where(a => a.PackId == "BP-2026-0001").ToListAsync(), a => Assert.Equal(("Asha", "asha"), (a.User, a.UserLogin)));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_refuse_a_second_pack_with_the_same_id(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();

        await recorder.CreatePackAsync("BP-1", null, null, Tech);
        var again = await recorder.CreatePackAsync("BP-1", null, null, Tech);

        Assert.Equal(RecordingStatus.AlreadyExists, again.Status);
        await using var db = await app.OpenAsync();
        await Assert.ThrowsAnyAsync<DbUpdateException>(async () =>
        {
            db.Packs.Add(new Pack { PackId = "BP-1", CreatedUtc = DateTime.UtcNow, UpdatedUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        });
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_take_ten_concurrent_writers_without_database_locked_errors(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await database.StartAsync();
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        for (var p = 0; p < 10; p++) await recorder.CreatePackAsync($"BP-{p}", null, null, Tech);

        var writers = Enumerable.Range(0, 10).Select(w => Task.Run(async () =>
        {
            var results = new List<RecordingResult>();
            foreach (var stage in route.Stages.Take(1))
            {
                for (var i = 0; i < 10; i++)
                {
                    var outcome = i % 2 == 0 ? QcResult.Ok : QcResult.NotApplicable;
                    results.Add(await recorder.SaveStageAsync(new StageSave($"BP-{(w + i) % 10}", stage.Number,
                        stage.Checks.Select(c =>
                        {
                            // An OK on a check that requires a value carries an in-limit one; N/A needs none.
                            var value = outcome == QcResult.Ok ? TestChecks.InLimits(c) : null;
                            return new CheckInput(c.Code, w % 2 == 0 ? outcome : null, w % 2 == 1 ? outcome : null,
                                w % 2 == 0 ? value : null, w % 2 == 1 ? value : null);
                        }).ToList()),
                        new Actor($"Tech {w}", null, $"tech{w}")));
                }
            }
            return results;
        })).ToList();

        var all = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();
        Assert.All(all, r => Assert.True(r.Succeeded, r.Message));
        await using var db = await app.OpenAsync();
        Assert.Equal(10, await db.StageRecords.CountAsync());
        Assert.Equal(10 * route.GetStage(1).Checks.Count, await db.CheckResults.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_upgrade_a_database_made_by_the_first_version_with_its_rows_intact(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        var services = database.BuildServices();
        await using (var db = await services.OpenAsync())
        {
            var first = db.Database.GetMigrations().First();
            Assert.EndsWith("_InitialCreate", first);
            await db.Database.MigrateAsync(first);
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO \"Packs\" (\"PackId\", \"ModuleXSerial\", \"ModuleYSerial\", \"CreatedUtc\", \"UpdatedUtc\", \"Status\", \"CurrentStage\") " +
                "VALUES ('BP-OLD-1', 'MX-9', 'MY-9', {0}, {0}, 1, 2)", new DateTime(2026, 1, 5, 8, 0, 0, DateTimeKind.Utc));
            Assert.Single(await db.Database.GetAppliedMigrationsAsync());
        }
        await services.DisposeAsync();

        await using var upgraded = await database.StartAsync();

        await using var check = await upgraded.OpenAsync();
        Assert.Empty(await check.Database.GetPendingMigrationsAsync());
        var pack = await check.Packs.SingleAsync();
        Assert.Equal(("BP-OLD-1", "MX-9", PackStatus.InProcess, 2), (pack.PackId, pack.ModuleXSerial, pack.Status, pack.CurrentStage));
        Assert.Equal(0, await check.AuditLog.CountAsync());
        if (provider == DatabaseProvider.Sqlite)
        {
            var copy = Assert.Single(Directory.GetFiles(Path.Combine(database.Folder, "backups"), "*pre-migration*.db", SearchOption.AllDirectories));
            await using var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Pooling=false");
            await old.OpenAsync();
            await using var cmd = old.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM \"Packs\" WHERE \"PackId\" = 'BP-OLD-1'";
            Assert.Equal(1L, await cmd.ExecuteScalarAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_refuse_a_database_from_a_newer_version(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using (var app = await database.StartAsync())
        await using (var db = await app.OpenAsync())
        {
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES ('29990101000000_FromTheFuture', '99.0')");
        }

        await using var again = database.BuildServices();
        var ex = await Assert.ThrowsAsync<DatabaseTooNewException>(() => again.GetRequiredService<DatabaseInitializer>().InitializeAsync());

        Assert.Contains("newer version of Battery MES", ex.Message);
        Assert.Contains("FromTheFuture", ex.Message);
    }

    [Fact]
    public async Task Should_run_sqlite_in_WAL_mode_with_a_busy_timeout()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await database.StartAsync();
        await using var db = await app.OpenAsync();
        await db.Database.OpenConnectionAsync();
        await using var cmd = db.Database.GetDbConnection().CreateCommand();

        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", await cmd.ExecuteScalarAsync());
        cmd.CommandText = "PRAGMA busy_timeout;";
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 1000);
    }
}
