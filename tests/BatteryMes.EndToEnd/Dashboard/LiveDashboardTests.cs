using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Dashboard;

[Collection(BrowserCollection.Name)]
public sealed class LiveDashboardTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly Actor Tech = new("Asha", "e2e");
    private AppServer _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AppServer.StartAsync();
        // The first render of a page compiles a lot; done here, it does not eat into the browser's navigation timeout.
        using var http = _app.CreateHttpClient();
        (await http.GetAsync("/dashboard")).EnsureSuccessStatusCode();
    }
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private PackRecorder Recorder => _app.Services.GetRequiredService<PackRecorder>();
    private ProcessRoute Route => _app.Services.GetRequiredService<ProcessRoute>();

    // Generous: a build machine shared with other jobs can be slow, and these wait for something that must happen.
    private static readonly LocatorAssertionsToHaveTextOptions TextWait = new() { Timeout = 30_000 };
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 30_000 };

    private static ILocator Figure(IPage page, string label) => page.Locator($"[data-figure='{label}']");

    private static ILocator TrackerRow(IPage page, string packId) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = packId, Exact = true }) });

    [Fact]
    public async Task A_save_elsewhere_appears_on_two_open_dashboards_without_a_reload_and_a_target_set_in_one_shows_in_the_other()
    {
        var wall = await browser.NewPageAsync(1920, 1080);
        var tablet = await browser.NewPageAsync(1024, 768);
        // The wall screen shows the Dashboard without sign-in; the supervisor at the tablet sets the target.
        await wall.GotoInteractiveAsync(_app.Url("/dashboard"));
        await _app.SignInAsync(tablet, TestPeople.Supervisor, "/dashboard");
        await Expect(Figure(wall, "With QC issues")).ToHaveTextAsync("0", TextWait);
        var firstUpdate = await wall.GetByTestId("last-updated").InnerTextAsync();

        // Saved through the same service the Data Entry page and the API use.
        Assert.True((await Recorder.CreatePackAsync("BP-LIVE-1", null, null, Tech)).Succeeded);
        var save = await Recorder.SaveStageAsync(new StageSave("BP-LIVE-1", 1,
            Route.GetStage(1).Checks.Select(c => c == Route.GetStage(1).Checks[0]
                ? new CheckInput(c.Code, QcResult.Ok, QcResult.NotOk, 3.59, 3.7) : TestChecks.Passing(c)).ToList()), Tech);
        Assert.True(save.Succeeded, save.Message);

        foreach (var page in new[] { wall, tablet })
        {
            await Expect(Figure(page, "With QC issues")).ToHaveTextAsync("1", TextWait);
            var row = TrackerRow(page, "BP-LIVE-1");
            await Expect(row).ToBeVisibleAsync(Visible);
            await Expect(row.GetByRole(AriaRole.Cell, new() { Name = "QC issues" })).ToBeVisibleAsync(Visible);
            await Expect(row.Locator("[data-stage='1']")).ToHaveAttributeAsync("title", "Stage 1 (Cell sorting): QC NOT OK", new() { Timeout = 30_000 });
            await Expect(row.Locator("[data-stage='2']")).ToHaveAttributeAsync("title", "Stage 2 (Module assembly): Not started", new() { Timeout = 30_000 });
        }
        Assert.NotEqual("Last updated -", (await wall.GetByTestId("last-updated").InnerTextAsync()).Trim());
        Assert.NotEqual("Last updated -", firstUpdate.Trim());

        await tablet.GetByLabel("Daily target (packs)").FillAsync("120");
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Save target" }).ClickAsync();
        await Expect(tablet.GetByText("Daily target of 120 packs saved")).ToBeVisibleAsync(Visible);
        await Expect(wall.GetByTestId("plan-summary")).ToContainTextAsync("Target today: 120 packs", new() { Timeout = 30_000 });

        await wall.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-dashboard-1920.png"), FullPage = true });
        await tablet.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-dashboard-1024.png"), FullPage = true });
        await wall.Context.CloseAsync();
        await tablet.Context.CloseAsync();
    }

    [Fact]
    public async Task The_tracker_finds_a_pack_by_its_id_and_a_click_opens_it_in_data_entry()
    {
        foreach (var id in new[] { "BP-2026-0101", "BP-2026-0102", "BP-2026-0203" })
            Assert.True((await Recorder.CreatePackAsync(id, null, null, Tech)).Succeeded);
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/dashboard");
        await Expect(TrackerRow(page, "BP-2026-0203")).ToBeVisibleAsync(Visible);

        await page.GetByLabel("Search pack ID").FillAsync("2026-01");

        await Expect(TrackerRow(page, "BP-2026-0203")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Expect(TrackerRow(page, "BP-2026-0101")).ToBeVisibleAsync(Visible);
        await Expect(TrackerRow(page, "BP-2026-0102")).ToBeVisibleAsync(Visible);

        await page.GetByRole(AriaRole.Link, new() { Name = "BP-2026-0102", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(_app.Url("/entry/BP-2026-0102"), new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_plan_and_quality_charts_are_drawn_in_the_browser_with_the_figures_of_the_period()
    {
        var stage = Route.GetStage(1);
        Assert.True((await Recorder.CreatePackAsync("BP-CHART-1", null, null, Tech)).Succeeded);
        Assert.True((await Recorder.SaveStageAsync(new StageSave("BP-CHART-1", 1,
            TestChecks.Passing(stage)), Tech)).Succeeded);
        Assert.True((await Recorder.CompleteStageAsync("BP-CHART-1", 1, Tech)).Succeeded);
        var plan = _app.Services.GetRequiredService<BatteryMes.Web.Features.Dashboard.ProductionPlan>();
        Assert.True((await plan.SetTargetAsync(DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-7)), 12, "Supervisor")).Succeeded);

        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoInteractiveAsync(_app.Url("/dashboard"));

        // Plotly draws into an SVG inside the chart's element; an empty div means the script or the interop failed.
        foreach (var chart in new[] { "#plan-vs-actual-chart", "#first-pass-yield-chart" })
        {
            await Expect(page.Locator($"{chart} svg.main-svg").First).ToBeVisibleAsync(Visible);
            await Expect(page.Locator($"{chart} g.trace").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        }
        // The first-pass yield of stage 1 this week is 100 % (one stage, finished without a NOT OK).
        await Expect(page.Locator("#first-pass-yield-chart")).ToContainTextAsync("100", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }
}
