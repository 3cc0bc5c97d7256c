using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using ClosedXML.Excel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Reports;

[Collection(BrowserCollection.Name)]
public sealed class ReportsPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly Actor Person = new("Kömürcü", "e2e");
    private static readonly LocatorAssertionsToContainTextOptions Wait = new() { Timeout = 20_000 };
    private AppServer _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AppServer.StartAsync();
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        foreach (var id in new[] { "BP-E2E-001", "BP-E2E-002", "BP-OTHER-1" })
        {
            var created = await recorder.CreatePackAsync(id, $"MX-{id}", $"MY-{id}", Person);
            Assert.True(created.Succeeded, created.Message);
        }
        var saved = await recorder.SaveStageAsync(new StageSave("BP-E2E-002", 1, [new CheckInput("1.1.1", QcResult.Ok, QcResult.Ok, 3.59, 3.59)]), Person);
        Assert.True(saved.Succeeded, saved.Message);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_person_searches_packs_and_downloads_a_packs_form_and_the_master_from_the_reports_page()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Rig, "/reports");
        await Expect(page.GetByTestId("match-count")).ToContainTextAsync("3 packs", Wait);

        await page.GetByLabel("Pack ID contains").FillAsync("e2e");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("match-count")).ToContainTextAsync("2 packs", Wait);
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "BP-OTHER-1" })).ToHaveCountAsync(0, new() { Timeout = 20_000 });

        var form = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download Excel form of BP-E2E-002" }).ClickAsync());
        Assert.StartsWith("BP-E2E-002_process-card_", form.SuggestedFilename);
        var formPath = Path.Combine(_app.Database.Folder, form.SuggestedFilename);
        await form.SaveAsAsync(formPath);
        using (var workbook = new XLWorkbook(formPath))
        {
            var sheet = workbook.Worksheet(1);
            Assert.Equal("BP-E2E-002", sheet.Cell("J6").GetString());
            Assert.Equal("Kömürcü", sheet.Cell(8, 16).GetString());
            Assert.Equal("OK (3.59 V)", sheet.Cell(8, 12).GetString());
        }

        var master = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download master workbook" }).ClickAsync());
        Assert.StartsWith("master_", master.SuggestedFilename);
        var masterPath = Path.Combine(_app.Database.Folder, master.SuggestedFilename);
        await master.SaveAsAsync(masterPath);
        using (var workbook = new XLWorkbook(masterPath))
        {
            Assert.Equal(["Summary", "BP-E2E-001", "BP-E2E-002"], workbook.Worksheets.Select(w => w.Name));
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-reports-1024.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_wrong_date_range_is_explained_on_the_page()
    {
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/reports");

        await page.GetByLabel("Created from").FillAsync("2026-05-02");
        await page.GetByLabel("Created to").FillAsync("2026-05-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();

        await Expect(page.GetByText("The date range starts (2026-05-02) after it ends (2026-05-01).")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await page.Context.CloseAsync();
    }
}
