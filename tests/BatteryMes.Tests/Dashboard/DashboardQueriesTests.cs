using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Dashboard.DashboardTestData;

namespace BatteryMes.Tests.Dashboard;

public class DashboardQueriesTests
{
    public const string PlantZone = "Asia/Kolkata";
    private static readonly QcResult[] AllResults = Enum.GetValues<QcResult>();

    internal static Task<ServiceProvider> StartAsync(TestDatabase database, TimeProvider? time = null) => database.StartAsync(services =>
    {
        if (time is not null) services.AddSingleton<TimeProvider>(time);
        // A zone away from UTC, so that plant-local days are really tested.
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new ServerOptions { TimeZone = PlantZone }));
        services.AddSingleton<DashboardQueries>();
        services.AddSingleton<ProductionPlan>();
    });

    /// <summary>Written out by hand from the plant's rules, not computed by StatusRules: a stage with any NOT OK is
    /// QC NOT OK; with every check holding both results it is ready to complete; otherwise in progress.</summary>
    private static (StageStatus Stage, PackStatus Pack) Expected(QcResult x, QcResult y) =>
        x == QcResult.NotOk || y == QcResult.NotOk ? (StageStatus.QcNotOk, PackStatus.QcIssues)
        : x == QcResult.Empty || y == QcResult.Empty ? (StageStatus.InProgress, PackStatus.InProcess)
        : (StageStatus.ReadyToComplete, PackStatus.InProcess);

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_show_every_combination_of_module_results_with_the_right_stage_and_pack_status(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var queries = app.GetRequiredService<DashboardQueries>();
        var combinations = (from x in AllResults from y in AllResults select (x, y)).ToList();

        // Each pack: every check of stage 1 OK on both modules except the last, which gets the combination.
        var lastCheck = route.GetStage(1).Checks[^1].Code;
        foreach (var (x, y) in combinations)
        {
            var packId = $"BP-{x}-{y}";
            await CreateAsync(recorder, packId);
            await SaveStageAsync(recorder, route, packId, 1, perCheck: c => c.Code == lastCheck ? (x, y) : (QcResult.Ok, QcResult.Ok));
        }

        var page = await queries.GetTrackerPageAsync(new TrackerQuery { PageSize = 100 });

        Assert.Equal(combinations.Count, page.TotalCount);
        foreach (var (x, y) in combinations)
        {
            // Pack IDs are stored in their canonical upper case form.
            var row = Assert.Single(page.Rows, r => r.PackId == $"BP-{x}-{y}".ToUpperInvariant());
            var (stage, pack) = Expected(x, y);
            Assert.True(stage == row.StageStatus(1), $"X={x.ToText()}, Y={y.ToText()}: stage shows {row.StageStatus(1).ToText()}, expected {stage.ToText()}");
            Assert.Equal(pack, row.Status);
            Assert.All(route.Stages.Skip(1), s => Assert.Equal(StageStatus.NotStarted, row.StageStatus(s.Number)));
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_show_one_not_ok_among_many_ok_as_qc_not_ok_not_as_qc_ok(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var queries = app.GetRequiredService<DashboardQueries>();
        await CreateAsync(recorder, "BP-ONE-NOK");
        await CompleteStageAsync(recorder, route, "BP-ONE-NOK", 1);
        // Module assembly: 17 checks, all OK but Module Y of the third.
        var third = route.GetStage(2).Checks[2].Code;
        await SaveStageAsync(recorder, route, "BP-ONE-NOK", 2, perCheck: c => (QcResult.Ok, c.Code == third ? QcResult.NotOk : QcResult.Ok));

        var row = Assert.Single((await queries.GetTrackerPageAsync(new TrackerQuery { Search = "BP-ONE-NOK" })).Rows);
        var (headline, stages) = await queries.GetLineAsync();

        Assert.Equal(StageStatus.Completed, row.StageStatus(1));
        Assert.Equal(StageStatus.QcNotOk, row.StageStatus(2));
        Assert.Equal(PackStatus.QcIssues, row.Status);
        Assert.Equal(1, headline.WithQcIssues);
        Assert.Equal(0, headline.ReadyForDispatch);
        Assert.Equal((1, 1), (stages.Single(s => s.StageNumber == 2).WorkInProgress, stages.Single(s => s.StageNumber == 2).Blocked));
        var failing = Assert.Single((await queries.GetQualityAsync(DashboardPeriod.Week)).FailingChecks);
        Assert.Equal((third, 2, 1), (failing.CheckCode, failing.StageNumber, failing.Packs));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_count_headline_numbers_stage_loads_and_packs_finished_today(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var queries = app.GetRequiredService<DashboardQueries>();
        await FinishPackAsync(recorder, route, "BP-DONE-1");
        await FinishPackAsync(recorder, route, "BP-DONE-2");
        await CreateAsync(recorder, "BP-NEW");                       // registered, nothing recorded: waits at stage 1
        await CreateAsync(recorder, "BP-AT-3");
        await CompleteStageAsync(recorder, route, "BP-AT-3", 1);
        await CompleteStageAsync(recorder, route, "BP-AT-3", 2);
        await SaveStageAsync(recorder, route, "BP-AT-3", 3, x: QcResult.Ok, y: QcResult.Empty);
        await CreateAsync(recorder, "BP-BLOCKED");
        await SaveStageAsync(recorder, route, "BP-BLOCKED", 1, x: QcResult.NotOk);

        var screen = await queries.GetFirstScreenAsync();

        Assert.Equal(new HeadlineNumbers(InProcess: 1, CompletedToday: 2, ReadyForDispatch: 2, WithQcIssues: 1, NotStarted: 1), screen.Headline);
        var load = screen.Stages.ToDictionary(s => s.StageNumber);
        Assert.Equal((2, 1), (load[1].WorkInProgress, load[1].Blocked));
        Assert.Equal((1, 0), (load[3].WorkInProgress, load[3].Blocked));
        Assert.Equal(0, load[8].WorkInProgress);
        Assert.NotNull(load[1].OldestActivityUtc);
        Assert.Null(load[8].OldestActivityUtc);
        Assert.Equal(5, screen.Tracker.TotalCount);
        Assert.Equal(2, screen.Plan.Days.Single(d => d.Day == app.GetRequiredService<PlantClock>().Today).Actual);
        Assert.Equal(route.StageCount, screen.Quality.Stages.Count);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_count_a_stage_reworked_after_a_not_ok_against_its_first_pass_yield(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var queries = app.GetRequiredService<DashboardQueries>();
        await CreateAsync(recorder, "BP-CLEAN");
        await CompleteStageAsync(recorder, route, "BP-CLEAN", 1);
        await CreateAsync(recorder, "BP-REWORKED");
        await SaveStageAsync(recorder, route, "BP-REWORKED", 1, y: QcResult.NotOk);
        await CompleteStageAsync(recorder, route, "BP-REWORKED", 1);    // corrected to OK, then completed
        await CreateAsync(recorder, "BP-HELD");
        await SaveStageAsync(recorder, route, "BP-HELD", 1, x: QcResult.NotOk);

        var quality = await queries.GetQualityAsync(DashboardPeriod.Month);

        var stage1 = quality.Stages.Single(s => s.StageNumber == 1);
        Assert.Equal((3, 1), (stage1.Finished, stage1.FirstPass));
        Assert.Null(quality.Stages.Single(s => s.StageNumber == 2).Yield);
        Assert.All(quality.FailingChecks, f => Assert.Equal(1, f.Packs));
        Assert.Equal(route.GetStage(1).Checks.Count, quality.FailingChecks.Count);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_search_filter_sort_and_page_the_tracker_in_the_database(DatabaseProvider provider)
    {
        var time = new ManualClock(new DateTime(2026, 3, 2, 8, 0, 0, DateTimeKind.Utc));
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database, time);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var queries = app.GetRequiredService<DashboardQueries>();
        // 30 packs over three days (10 a day); every third is held by a NOT OK, every fifth has reached stage 2.
        for (var i = 1; i <= 30; i++)
        {
            time.UtcNow = new DateTime(2026, 3, 2 + (i - 1) / 10, 8, 0, 0, DateTimeKind.Utc).AddMinutes(i);
            var id = $"BP-2026-{i:0000}";
            await CreateAsync(recorder, id);
            if (i % 3 == 0) await SaveStageAsync(recorder, route, id, 1, x: QcResult.NotOk);
            else if (i % 5 == 0) await CompleteStageAsync(recorder, route, id, 1);
        }

        var search = await queries.GetTrackerPageAsync(new TrackerQuery { Search = "bp-2026-001" });
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"BP-2026-{i:0000}").Order(), search.Rows.Select(r => r.PackId).Order());

        var issues = await queries.GetTrackerPageAsync(new TrackerQuery { Status = PackStatus.QcIssues, PageSize = 50 });
        Assert.Equal(10, issues.TotalCount);
        Assert.All(issues.Rows, r => Assert.Equal(StageStatus.QcNotOk, r.StageStatus(1)));

        var atStage2 = await queries.GetTrackerPageAsync(new TrackerQuery { Stage = 2, Sort = TrackerSort.PackId, Descending = false });
        Assert.Equal(["BP-2026-0005", "BP-2026-0010", "BP-2026-0020", "BP-2026-0025"], atStage2.Rows.Select(r => r.PackId));

        var secondDay = await queries.GetTrackerPageAsync(new TrackerQuery { RegisteredFrom = new DateOnly(2026, 3, 3), RegisteredTo = new DateOnly(2026, 3, 3), PageSize = 50 });
        Assert.Equal(Enumerable.Range(11, 10).Select(i => $"BP-2026-{i:0000}"), secondDay.Rows.Select(r => r.PackId).Order());

        var combined = await queries.GetTrackerPageAsync(new TrackerQuery { Search = "00", Status = PackStatus.QcIssues, RegisteredFrom = new DateOnly(2026, 3, 4) });
        Assert.Equal(["BP-2026-0021", "BP-2026-0024", "BP-2026-0027", "BP-2026-0030"], combined.Rows.Select(r => r.PackId).Order());

        var pageTwo = await queries.GetTrackerPageAsync(new TrackerQuery { Sort = TrackerSort.PackId, Descending = false, Page = 1, PageSize = 10 });
        Assert.Equal((30, 10), (pageTwo.TotalCount, pageTwo.Rows.Count));
        Assert.Equal(Enumerable.Range(11, 10).Select(i => $"BP-2026-{i:0000}"), pageTwo.Rows.Select(r => r.PackId));

        var newestFirst = await queries.GetTrackerPageAsync(new TrackerQuery { PageSize = 3 });
        Assert.Equal(["BP-2026-0030", "BP-2026-0029", "BP-2026-0028"], newestFirst.Rows.Select(r => r.PackId));

        var nothing = await queries.GetTrackerPageAsync(new TrackerQuery { Search = "no such pack" });
        Assert.Equal(0, nothing.TotalCount);
        Assert.Empty(nothing.Rows);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_headline_counts_as_in_process_exactly_the_packs_the_tracker_shows_as_in_process(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = await StartAsync(database);
        var recorder = app.GetRequiredService<PackRecorder>();
        var route = app.GetRequiredService<ProcessRoute>();
        var queries = app.GetRequiredService<DashboardQueries>();
        // Two registered with nothing recorded, three with a stage under way, one held by a NOT OK, one finished.
        foreach (var id in new[] { "BP-N1", "BP-N2", "BP-P1", "BP-P2", "BP-P3", "BP-Q1" }) await CreateAsync(recorder, id);
        foreach (var id in new[] { "BP-P1", "BP-P2", "BP-P3" }) await SaveStageAsync(recorder, route, id, 1);
        await SaveStageAsync(recorder, route, "BP-Q1", 1, x: QcResult.NotOk);
        await FinishPackAsync(recorder, route, "BP-D1");

        var (headline, _) = await queries.GetLineAsync();
        var all = await queries.GetTrackerPageAsync(new TrackerQuery { PageSize = 100 });
        var inProcess = await queries.GetTrackerPageAsync(new TrackerQuery { Status = PackStatus.InProcess, PageSize = 100 });
        var notStarted = await queries.GetTrackerPageAsync(new TrackerQuery { Status = PackStatus.NotStarted, PageSize = 100 });

        Assert.Equal(3, headline.InProcess);
        Assert.Equal(all.Rows.Count(r => r.Status == PackStatus.InProcess), headline.InProcess);
        Assert.Equal(inProcess.TotalCount, headline.InProcess);
        Assert.Equal(["BP-N1", "BP-N2"], notStarted.Rows.Select(r => r.PackId).Order());
        Assert.Equal(notStarted.TotalCount, headline.NotStarted);
        Assert.Equal((1, 1), (headline.WithQcIssues, headline.ReadyForDispatch));
        Assert.Equal(all.TotalCount, headline.Total);
    }
}
