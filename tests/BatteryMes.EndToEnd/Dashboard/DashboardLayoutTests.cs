using BatteryMes.Tests.Infrastructure;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Dashboard;

/// <summary>What an operator sees at arm's length on a 768 or 1024 px tablet and a 1920 px wall screen, and what a page
/// without charts downloads.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardLayoutTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Actor Tech = new("Asha", "e2e");
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 30_000 };
    private AppServer _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AppServer.StartAsync();
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        var route = _app.Services.GetRequiredService<ProcessRoute>();
        // A page of packs in every state: not started, under way, held by a NOT OK, finished.
        for (var n = 1; n <= 25; n++)
        {
            var id = $"BP-2026-{n:0000}";
            Assert.True((await recorder.CreatePackAsync(id, null, null, Tech)).Succeeded);
            if (n % 4 == 0) continue;
            var stage = route.GetStage(1);
            var fail = n % 4 == 3;
            Assert.True((await recorder.SaveStageAsync(new StageSave(id, 1,
                stage.Checks.Select(c => fail && c == stage.Checks[0] ? new CheckInput(c.Code, QcResult.Ok, QcResult.NotOk, 3.59, 3.7) : TestChecks.Passing(c)).ToList()), Tech)).Succeeded);
            if (n % 4 == 1) Assert.True((await recorder.CompleteStageAsync(id, 1, Tech)).Succeeded);
        }
        using var http = _app.CreateHttpClient();
        (await http.GetAsync("/dashboard")).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData(768, 1024)]
    [InlineData(1024, 768)]
    [InlineData(1920, 1080)]
    public async Task The_tracker_shows_all_eight_stage_cells_of_a_page_without_sideways_scrolling(int width, int height)
    {
        var page = await browser.NewPageAsync(width, height);
        await page.GotoInteractiveAsync(_app.Url("/dashboard"));
        var firstRow = page.Locator(".mes-tracker tbody tr").First;
        await Expect(firstRow.Locator("[data-stage='8']")).ToBeVisibleAsync(Visible);
        await page.Locator(".mes-tracker").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"batterymes-dashboard-{width}.png"), FullPage = true });

        var scroll = await page.EvaluateAsync<int[]>(@"() => {
            const box = document.querySelector('.mes-tracker .mud-table-container');
            return [document.documentElement.scrollWidth, document.documentElement.clientWidth, box.scrollWidth, box.clientWidth];
        }");
        Assert.True(scroll[0] <= scroll[1], $"the page scrolls sideways at {width} px: {scroll[0]} > {scroll[1]}");
        Assert.True(scroll[2] <= scroll[3], $"the tracker scrolls sideways at {width} px: {scroll[2]} > {scroll[3]}");

        var rows = await page.Locator(".mes-tracker tbody tr").CountAsync();
        Assert.Equal(25, rows);
        for (var stage = 1; stage <= 8; stage++)
        {
            var box = await firstRow.Locator($"[data-stage='{stage}']").BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X >= 0 && box.X + box.Width <= width && box.Width >= 36, $"stage {stage} cell at {box.X}+{box.Width} of {width} px");
        }
        // Every cell shows its whole code ("NOK", "RC", "OK", "-"), never a clipped one.
        var clipped = await page.EvaluateAsync<int>("() => [...document.querySelectorAll('.mes-tracker td.mes-cell')].filter(c => c.scrollWidth > c.clientWidth).length");
        Assert.Equal(0, clipped);
        // The short cell codes are spelled out beside the table, and the headline agrees with the tracker.
        await Expect(page.GetByTestId("tracker-legend")).ToContainTextAsync("NOK");
        await Expect(page.GetByTestId("tracker-legend")).ToContainTextAsync("QC NOT OK");
        await Expect(page.Locator("[data-figure='Packs in process']")).ToHaveTextAsync("13");
        await Expect(page.Locator("[data-figure='Not started']")).ToContainTextAsync("6 registered, not started");
        if (width >= 1500) await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Last activity" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_tracker_date_filter_takes_a_typed_date_and_the_quality_chart_names_every_stage_in_full()
    {
        var page = await browser.NewPageAsync(1024, 768);
        await page.GotoInteractiveAsync(_app.Url("/dashboard"));
        await Expect(page.Locator(".mes-tracker tbody tr [data-stage='1']").First).ToBeVisibleAsync(Visible);

        var from = page.GetByLabel("Registered from");
        await from.FillAsync(DateTime.Today.AddDays(2).ToString("yyyy-MM-dd"));
        await from.PressAsync("Tab");
        await Expect(page.GetByText("No pack matches.")).ToBeVisibleAsync(Visible);

        // Horizontal bars: the stage names are the y axis' tick labels, written out in full.
        await Expect(page.Locator("#first-pass-yield-chart g.ytick text").Last).ToBeAttachedAsync(new() { Timeout = 30_000 });
        var ticks = await page.Locator("#first-pass-yield-chart g.ytick text").AllTextContentsAsync();
        Assert.Contains("8. Ready for Dispatch", ticks);
        Assert.Contains("1. Cell sorting", ticks);
        await Expect(page.GetByTestId("yield-legend")).ToContainTextAsync("95 % or more");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-dashboard-quality-1024.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData(768, 1024)]
    [InlineData(1024, 768)]
    public async Task The_date_pickers_open_a_whole_calendar_inside_the_screen_at_tablet_widths(int width, int height)
    {
        var page = await browser.NewPageAsync(width, height);
        await page.GotoInteractiveAsync(_app.Url("/dashboard"));
        await Expect(page.Locator(".mes-tracker tbody tr [data-stage='1']").First).ToBeVisibleAsync(Visible);

        foreach (var label in new[] { "Registered from", "Registered to" })
        {
            var picker = page.Locator(".mes-date").Filter(new() { Has = page.GetByLabel(label) });
            await picker.Locator(".mud-input-adornment button").ClickAsync();
            var calendar = page.Locator(".mud-popover-open .mud-picker-calendar-container");
            await Expect(calendar).ToBeVisibleAsync(Visible);
            var popover = page.Locator(".mud-popover-open").Filter(new() { Has = page.Locator(".mud-picker-calendar-container") });
            var box = (await popover.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= width && box.Y >= 0 && box.Y + box.Height <= height,
                $"the '{label}' calendar at {box.X},{box.Y} {box.Width}x{box.Height} leaves the {width}x{height} screen");
            // All seven weekday names and both month arrows are inside the calendar's paper, none clipped.
            var shown = await popover.EvaluateAsync<int[]>(@"p => {
                const paper = p.querySelector('.mud-picker-paper').getBoundingClientRect();
                const parts = [...p.querySelectorAll('.mud-day-label, .mud-picker-nav-button-prev, .mud-picker-nav-button-next')];
                return [parts.length, parts.filter(e => { const r = e.getBoundingClientRect(); return r.left >= paper.left - 1 && r.right <= paper.right + 1 && r.width > 0; }).length];
            }");
            Assert.Equal(9, shown[0]);
            Assert.Equal(9, shown[1]);
            await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Next month") })).ToBeVisibleAsync();
            await page.WaitForTimeoutAsync(300); // the opening fade, for the picture only
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"batterymes-dashboard-date-{width}.png") });
            await page.Keyboard.PressAsync("Escape");
            await Expect(calendar).ToHaveCountAsync(0);
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_entry_page_does_not_download_plotly_and_the_dashboard_gets_it_compressed()
    {
        var page = await browser.NewPageAsync(1024, 768);
        var requests = new List<IRequest>();
        page.RequestFinished += (_, request) => { lock (requests) requests.Add(request); };

        await page.GotoInteractiveAsync(_app.Url("/entry"));
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        long entryBytes = 0;
        List<IRequest> entryRequests;
        lock (requests) entryRequests = [.. requests];
        foreach (var request in entryRequests)
        {
            var sizes = await request.SizesAsync();
            entryBytes += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
        }
        output.WriteLine($"First visit to /entry: {entryRequests.Count} requests, {entryBytes:N0} bytes transferred");
        Assert.DoesNotContain(entryRequests, r => r.Url.Contains("plotly", StringComparison.OrdinalIgnoreCase));
        Assert.True(entryBytes < 1_500_000, $"/entry transferred {entryBytes:N0} bytes");

        await page.GotoInteractiveAsync(_app.Url("/dashboard"));
        await Expect(page.Locator("#plan-vs-actual-chart svg.main-svg").First).ToBeVisibleAsync(Visible);
        List<IRequest> plotlyRequests;
        lock (requests) plotlyRequests = [.. requests.Where(r => r.Url.Contains("plotly-3.7.0", StringComparison.OrdinalIgnoreCase))];
        output.WriteLine(string.Join(Environment.NewLine, plotlyRequests.Select(r => $"{r.Method} {r.Url} ({r.ResourceType})")));
        var plotly = plotlyRequests.Last();
        var response = await plotly.ResponseAsync();
        var encoding = (await response!.AllHeadersAsync()).GetValueOrDefault("content-encoding");
        var plotlySizes = await plotly.SizesAsync();
        output.WriteLine($"plotly.js on /dashboard: {plotlySizes.ResponseBodySize:N0} bytes ({encoding})");
        Assert.Contains(encoding, new[] { "gzip", "br" });
        Assert.True(plotlySizes.ResponseBodySize < 2_000_000, $"plotly.js took {plotlySizes.ResponseBodySize:N0} bytes");
        await page.Context.CloseAsync();
    }
}
