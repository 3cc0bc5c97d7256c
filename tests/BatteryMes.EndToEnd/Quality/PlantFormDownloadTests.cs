using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using ClosedXML.Excel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Quality;

/// <summary>The plant's own, unmodified form as the template: a pack with NOT OK on the voltage/IR row, the module QC
/// row and the EOL isolation row, downloaded from the Reports page, says NOT OK on each of those rows.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PlantFormDownloadTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync(settings: new Dictionary<string, string?>
    {
        ["BatteryMes:Reports:TemplateFile"] = Path.Combine(AppContext.BaseDirectory, "templates", "plant-form-P-BDT-FR-04A.xlsx"),
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_plants_form_downloaded_from_the_reports_page_shows_NOT_OK_on_the_rows_of_1_1_2_6_1_3_and_7_1_2()
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        var route = _app.Services.GetRequiredService<ProcessRoute>();
        var rig = TestPeople.Rig.Actor();
        Assert.True((await recorder.CreatePackAsync("BP-PLANT-1", "MX-1", "MY-1", rig)).Succeeded);
        // Later stages first: a NOT OK on stage 1 blocks recording the stages after it. The codes are the form's
        // section numbers: 6.1.3 and 7.1.2 are both checks of stage 6 (EOL Testing).
        var notOk = new Dictionary<string, double?> { ["1.1.2"] = 13.9, ["6.1.3"] = null, ["7.1.2"] = 0.5 };
        foreach (var stage in new[] { 6, 1 })
        {
            var inputs = TestChecks.Passing(route.GetStage(stage)).Select(i => notOk.TryGetValue(i.CheckCode, out var value)
                ? i with { ModuleX = QcResult.NotOk, MeasuredX = value ?? i.MeasuredX }
                : i).ToList();
            var saved = await recorder.SaveStageAsync(new StageSave("BP-PLANT-1", stage, inputs), rig);
            Assert.True(saved.Succeeded, saved.Message);
        }

        var page = await browser.NewPageAsync(width: 1280, height: 900);
        await _app.SignInAsync(page, TestPeople.Inspector, "/reports");
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download Excel form of BP-PLANT-1" }).ClickAsync());
        var path = Path.Combine(_app.Database.Folder, download.SuggestedFilename);
        await download.SaveAsAsync(path);

        using var workbook = new XLWorkbook(path);
        var cells = workbook.Worksheets.SelectMany(w => w.CellsUsed()).Select(c => c.GetString()).ToList();
        foreach (var code in new[] { "1.1.2", "6.1.3", "7.1.2" })
            Assert.Contains(cells, text => text.StartsWith("NOT OK", StringComparison.Ordinal)
                && System.Text.RegularExpressions.Regex.IsMatch(text, $@"{System.Text.RegularExpressions.Regex.Escape(code)} (X: )?NOT OK"));
        await page.Context.CloseAsync();
    }
}
