using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;

namespace BatteryMes.Tests.Reports;

/// <summary>The CSV export reads the database on one thread and writes on another, a few packs at a time. These cases
/// need more packs than the buffers between the two hold, so the reader has to wait for a slow client.</summary>
public class CsvStreamingTests
{
    /// <summary>More than every buffer the readers can fill while the client does not read, twice over.</summary>
    private const int ManyPacks = 2 * PackBatches.Batches * PackBatches.PacksPerBatch + 200;

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task An_export_to_a_slow_client_shows_one_moment_and_does_not_hold_up_saves(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        await CreatePacksAsync(app, ManyPacks);
        var last = $"BP-S-{ManyPacks:D4}";
        var client = new GatedStream();

        var export = app.GetRequiredService<ResultsCsvWriter>().WriteAsync(PackFilter.All, client);
        await client.FirstWrite.WaitAsync(TimeSpan.FromSeconds(60));

        // The export is under way and its client is not reading: a save to a pack it has not reached yet goes through.
        var saved = await app.GetRequiredService<PackRecorder>()
            .SaveStageAsync(new StageSave(last, 1, [TestChecks.Passing(app.GetRequiredService<ProcessRoute>(), "1.1.1")]), ReportsTestKit.Person)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(saved.Succeeded, saved.Message);
        client.Release();
        var rows = await export.WaitAsync(TimeSpan.FromSeconds(60));

        var table = MasterAndCsvTests.ReadCsv(Encoding.UTF8.GetString(client.ToArray()[3..]));
        Assert.Equal(ManyPacks * app.GetRequiredService<ProcessRoute>().AllChecks.Count(), rows);
        Assert.Equal(rows + 1, table.Count);
        // The file shows the database as it was when the export started, not half before and half after the save.
        var row = table.Single(r => r[0] == last && r[12] == "1.1.1");
        Assert.Equal(("Not started", "", ""), (row[6], row[7], row[14]));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_client_that_goes_away_ends_the_export_and_frees_the_database(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        await CreatePacksAsync(app, ManyPacks);
        var last = $"BP-S-{ManyPacks:D4}";

        var export = app.GetRequiredService<ResultsCsvWriter>().WriteAsync(PackFilter.All, new BrokenStream());

        await Assert.ThrowsAsync<IOException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        if (provider == DatabaseProvider.PostgreSQL)
        {
            // Every connection the export used (the pack query's and its fillers') is back in the pool: none is still
            // running a query or holding a transaction (and with it the snapshot) open.
            Assert.Equal(0, await BusyConnectionsAsync(app));
        }
        var saved = await app.GetRequiredService<PackRecorder>()
            .SaveStageAsync(new StageSave(last, 1, [TestChecks.Passing(app.GetRequiredService<ProcessRoute>(), "1.1.1")]), ReportsTestKit.Person)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(saved.Succeeded, saved.Message);
    }

    [Fact]
    public async Task A_reader_connection_that_fails_ends_the_export_with_its_error_and_frees_the_database()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        await using var app = await StartAsync(database);
        await CreatePacksAsync(app, ManyPacks, withResults: true);
        // A login that may read the packs and stage records but not the check results: the pack query runs, each filler
        // fails on its results statement.
        var role = $"csv_reader_{Guid.NewGuid():N}"[..24];
        await using (var db = await app.OpenAsync())
            await db.Database.ExecuteSqlRawAsync($"CREATE ROLE {role} LOGIN; GRANT SELECT ON \"Packs\", \"StageRecords\" TO {role}");
        try
        {
            await using var limited = TestDatabase.OnOwnServer(DatabaseProvider.PostgreSQL,
                new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ToString());
            await using var services = limited.BuildServices();
            var writer = new ResultsCsvWriter(services.GetRequiredService<IDbContextFactory<MesDbContext>>(),
                app.GetRequiredService<ProcessRoute>(), app.GetRequiredService<PlantClock>()) { Fillers = 2 };

            var error = await Assert.ThrowsAnyAsync<Exception>(() => writer.WriteAsync(PackFilter.All, new MemoryStream()).WaitAsync(TimeSpan.FromSeconds(60)));

            var denied = error as Npgsql.PostgresException ?? error.InnerException as Npgsql.PostgresException;
            Assert.True(denied is { SqlState: "42501" }, $"Expected PostgreSQL's permission error, got: {error}");
            Assert.Equal(0, await BusyConnectionsAsync(app));
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var db = await app.OpenAsync();
            await db.Database.ExecuteSqlRawAsync($"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    public static TheoryData<DatabaseProvider, int> ProvidersAndFillers => new()
    {
        { DatabaseProvider.Sqlite, 0 }, { DatabaseProvider.Sqlite, 1 }, { DatabaseProvider.Sqlite, 3 },
        { DatabaseProvider.PostgreSQL, 0 }, { DatabaseProvider.PostgreSQL, 1 }, { DatabaseProvider.PostgreSQL, 3 },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndFillers))]
    public async Task Every_pack_comes_in_order_with_its_own_results_however_many_connections_read_them(DatabaseProvider provider, int fillers)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var started = await CreatePacksAsync(app, ManyPacks, withResults: true);
        var route = app.GetRequiredService<ProcessRoute>();
        var writer = new ResultsCsvWriter(app.GetRequiredService<IDbContextFactory<MesDbContext>>(), route, app.GetRequiredService<PlantClock>())
        {
            Fillers = fillers,
        };
        var startedText = app.GetRequiredService<PlantClock>().ToLocal(started).ToString(ResultsCsvWriter.TimeFormat, System.Globalization.CultureInfo.InvariantCulture);

        using var file = new MemoryStream();
        var rows = await writer.WriteAsync(PackFilter.All, file);

        Assert.Equal(Math.Max(fillers, 1), writer.LastReaders);
        var table = MasterAndCsvTests.ReadCsv(Encoding.UTF8.GetString(file.ToArray()[3..]));
        var checks = route.AllChecks.Count();
        Assert.Equal(ManyPacks * checks, rows);
        Assert.DoesNotContain(table, r => r[12] == "9.9.9");
        for (var i = 1; i <= ManyPacks; i++)
        {
            var first = (i - 1) * checks + 1;
            Assert.All(table.Skip(first).Take(checks), row => Assert.Equal($"BP-S-{i:D4}", row[0]));
            var voltage = table.Skip(first).Take(checks).Single(r => r[12] == "1.1.1");
            Assert.Equal(($"T-{i}", "In progress", "OK", "NOT OK", "N/A"), (voltage[7], voltage[6], voltage[14], voltage[16], table.Skip(first).Take(checks).Single(r => r[12] == "1.1.2")[14]));
            Assert.Equal(i / 1000.0, double.Parse(voltage[15], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("", voltage[17]);
            Assert.Equal((startedText, "", $"'-{i} mV"), (voltage[9], voltage[10], voltage[11]));
        }
    }

    [Fact]
    public async Task A_database_nobody_has_written_to_since_the_app_started_is_still_read_by_several_connections_on_one_snapshot()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using (var first = await StartAsync(database))
            await CreatePacksAsync(first, ManyPacks, withResults: true);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        await using var app = await StartAsync(database);
        // SQLite gives no snapshot of a WAL that nothing has been written to since the database was opened.
        Assert.True(!File.Exists(file + "-wal") || new FileInfo(file + "-wal").Length == 0, "The test needs a database with an unwritten WAL.");
        var writer = new ResultsCsvWriter(app.GetRequiredService<IDbContextFactory<MesDbContext>>(), app.GetRequiredService<ProcessRoute>(), app.GetRequiredService<PlantClock>())
        {
            Fillers = 2,
        };

        using var csv = new MemoryStream();
        var rows = await writer.WriteAsync(PackFilter.All, csv);

        Assert.Equal(2, writer.LastReaders);
        Assert.Equal(ManyPacks * app.GetRequiredService<ProcessRoute>().AllChecks.Count(), rows);
        var table = MasterAndCsvTests.ReadCsv(Encoding.UTF8.GetString(csv.ToArray()[3..]));
        Assert.Equal("T-7", table.First(r => r[0] == "BP-S-0007")[7]);
        await using var db = await app.OpenAsync();
        Assert.Equal(ManyPacks, await db.Packs.CountAsync());
    }

    /// <summary>Packs written straight to the database (hundreds of them, quickly); with results: stage 1 in progress
    /// by technician T-i with remarks "-i mV", started at the returned time (whole seconds), check 1.1.1 OK / NOT OK
    /// with i/1000 measured on Module X, check 1.1.2 N/A, and a result for a check the route does not have.</summary>
    private static async Task<DateTime> CreatePacksAsync(IServiceProvider app, int count, bool withResults = false)
    {
        var now = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        await using var db = await app.OpenAsync();
        db.Packs.AddRange(Enumerable.Range(1, count).Select(i => new Pack
        {
            PackId = $"BP-S-{i:D4}", ModuleXSerial = $"MX-{i}", CreatedUtc = now, UpdatedUtc = now, Status = PackStatus.NotStarted, CurrentStage = 1,
            Stages = withResults
                ?
                [
                    new StageRecord
                    {
                        StageNumber = 1, Status = StageStatus.InProgress, Technician = $"T-{i}", Remarks = $"-{i} mV", StartedUtc = now, UpdatedUtc = now, Version = 1,
                        Results =
                        [
                            new CheckResult { CheckCode = "1.1.1", ModuleX = QcResult.Ok, ModuleY = QcResult.NotOk, MeasuredX = i / 1000.0, UpdatedUtc = now },
                            new CheckResult { CheckCode = "1.1.2", ModuleX = QcResult.NotApplicable, ModuleY = QcResult.NotApplicable, UpdatedUtc = now },
                            new CheckResult { CheckCode = "9.9.9", ModuleX = QcResult.NotOk, ModuleY = QcResult.NotOk, MeasuredX = -1, UpdatedUtc = now },
                        ],
                    },
                ]
                : [],
        }));
        await db.SaveChangesAsync();
        return now;
    }

    /// <summary>PostgreSQL: the other sessions on the test database that are running a query or are in a transaction.</summary>
    /// <summary>Client connections to the test database still running a statement. Autovacuum workers (busy after the
    /// test's bulk inserts) are not the export's; a backend that has just been told its client is gone may show as
    /// active for a moment, so the count is read again for up to 5 seconds before it is taken.</summary>
    private static async Task<int> BusyConnectionsAsync(IServiceProvider app)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            await using var db = await app.OpenAsync();
            var busy = await db.Database.SqlQueryRaw<int>(
                "SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() " +
                "AND backend_type = 'client backend' AND state <> 'idle'")
                .SingleAsync();
            if (busy == 0 || DateTime.UtcNow > deadline) return busy;
            await Task.Delay(100);
        }
    }

    /// <summary>A client that takes the first write and then stops reading until released.</summary>
    private sealed class GatedStream : MemoryStream
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstWrite => _first.Task;
        public void Release() => _release.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            _first.TrySetResult();
            await _release.Task.WaitAsync(ct);
            await base.WriteAsync(buffer, ct);
        }
    }

    /// <summary>A client whose connection is gone.</summary>
    private sealed class BrokenStream : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) =>
            ValueTask.FromException(new IOException("The client closed the connection."));
    }
}
