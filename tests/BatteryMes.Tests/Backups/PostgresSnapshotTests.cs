using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>The portable SQLite snapshot of a PostgreSQL database (a bulk row copy) against the live rows.</summary>
public class PostgresSnapshotTests
{
    [Fact]
    public async Task A_PostgreSQL_snapshot_holds_every_row_of_every_table_with_the_same_values_and_the_same_indexes()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        await using var services = await BackupRig.StartAsync(database);
        var recorder = services.GetRequiredService<PackRecorder>();
        await services.CreatePacksAsync("BP-SNAP-1", "BP-SNAP-2", "BP-SNAP-3");
        Assert.True((await recorder.SaveStageAsync(services.AllOk("BP-SNAP-1", 1), BackupRig.Technician("Zoë \"Q\" O'Neil"))).Succeeded);
        var withNotOk = services.AllOk("BP-SNAP-2", 1);
        // NOT OK with a value outside the limits, so the result agrees with its evidence (no deviation).
        var notOkCheck = services.GetRequiredService<ProcessRoute>().FindCheck(withNotOk.Results[0].CheckCode)!;
        withNotOk = withNotOk with { Results = [withNotOk.Results[0] with { ModuleX = QcResult.NotOk, MeasuredX = notOkCheck.Limits!.Max!.Value + 0.01 }, .. withNotOk.Results.Skip(1)], Remarks = "Line 1\nLine 2, ünïcode" };
        var savedNotOk = await recorder.SaveStageAsync(withNotOk, Actor.System);
        Assert.True(savedNotOk.Succeeded, savedNotOk.Message);
        await using (var db = await services.OpenAsync())
        {
            db.ProductionTargets.Add(new ProductionTarget { EffectiveFrom = new DateOnly(2026, 2, 28), PacksPerDay = 120, SetBy = null, SetUtc = new DateTime(2026, 2, 27, 23, 59, 59, 123, 456, DateTimeKind.Utc) });
            db.IssuedLabels.Add(new IssuedLabel { PackId = "QB0000001", BatchId = "batch-1", Payload = "http://127.0.0.1/entry/QB0000001", Prefix = "QB", Number = 1, IssuedUtc = DateTime.UtcNow });
            db.IssuedLabels.Add(new IssuedLabel { PackId = "FREE-TEXT", BatchId = "batch-1", Payload = "FREE-TEXT", Prefix = null, Number = null, IssuedUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var result = await services.GetRequiredService<BackupService>().CreateAsync(BackupTrigger.Manual);

        Assert.True(result.Succeeded, result.Message);
        var file = result.Entry!.FilePath;
        await using var live = await services.OpenAsync();
        foreach (var (table, rows) in new (string, Func<MesDbContext, Task<string>>)[]
        {
            ("Packs", db => Json(db.Packs)),
            ("StageRecords", db => Json(db.StageRecords)),
            ("CheckResults", db => Json(db.CheckResults)),
            ("AuditLog", db => Json(db.AuditLog)),
            ("ProductionTargets", db => Json(db.ProductionTargets)),
            ("IssuedLabels", db => Json(db.IssuedLabels)),
        })
        {
            var expected = await rows(live);
            Assert.Equal(expected, await BackupRig.ReadSnapshotAsync(file, rows));
            Assert.True(result.Entry.RowCounts[table] > 0, $"{table} is empty in the snapshot");
        }
        // The indexes were dropped for the load and built again: the snapshot's schema is the one a new SQLite database gets.
        await using var fresh = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using (var freshServices = await fresh.StartAsync()) { }
        Assert.Equal(Schema(fresh.ConnectionString), Schema($"Data Source={file};Mode=ReadOnly;Pooling=False"));
    }

    private static async Task<string> Json<T>(IQueryable<T> rows) where T : class =>
        JsonSerializer.Serialize(await rows.AsNoTracking().OrderBy(r => EF.Property<long>(r, "Id")).ToListAsync());

    private static List<string> Schema(string connectionString)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name;";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.GetString(0));
        return lines;
    }
}
