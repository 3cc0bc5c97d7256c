using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Quality;

/// <summary>On the Data Entry page the limits decide: an out-of-limit value cannot be saved as OK without a reason,
/// and only a QC inspector (or supervisor) records the deviation.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DeviationPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static ILocator Check(IPage page, string code) => page.GetByRole(AriaRole.Region, new() { Name = $"Check {code}", Exact = true });

    private static ILocator ResultButton(IPage page, string code, string module, string result) =>
        Check(page, code).GetByRole(AriaRole.Group, new() { Name = $"Module {module} result" }).GetByRole(AriaRole.Button, new() { Name = result, Exact = true });

    private static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    /// <summary>A pack whose stage 1 is complete with in-limit values, so stage 2 may be recorded.</summary>
    private async Task PackAtStageTwoAsync(string packId)
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        var route = _app.Services.GetRequiredService<ProcessRoute>();
        var rig = TestPeople.Rig.Actor();
        Assert.True((await recorder.CreatePackAsync(packId, null, null, rig)).Succeeded);
        var inputs = route.Stages[0].Checks.Select(c => c.Limits is { } l
            ? new CheckInput(c.Code, QcResult.Ok, QcResult.Ok, (l.Min + l.Max) / 2, (l.Min + l.Max) / 2)
            : new CheckInput(c.Code, QcResult.Ok, QcResult.Ok)).ToList();
        var saved = await recorder.SaveStageAsync(new StageSave(packId, 1, inputs), rig);
        Assert.True(saved.Succeeded, saved.Message);
    }

    [Fact]
    public async Task An_out_of_limit_value_saved_as_OK_is_refused_for_an_operator_and_recorded_as_a_deviation_by_an_inspector()
    {
        await PackAtStageTwoAsync("BP-DEV-E2E");
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-DEV-E2E");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stage 2: Module assembly" }).ClickAsync();

        // 73 mm against 72.45 to 72.75 mm: the value says NOT OK; pressing OK makes it a deviation that needs a reason.
        await Check(page, "2.3.1").GetByLabel("Measured Y").FillAsync("73");
        await Expect(Check(page, "2.3.1").GetByLabel("Module Y measurement verdict")).ToHaveTextAsync("NOT OK");
        await ResultButton(page, "2.3.1", "Y", "OK").ClickAsync();
        await Expect(Check(page, "2.3.1").GetByText("is a deviation")).ToBeVisibleAsync();
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Give the reason for the deviation" })).ToBeVisibleAsync();

        await Check(page, "2.3.1").GetByLabel("Deviation reason, Module Y").FillAsync("Shim fitted, approved by design");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Only a QC inspector or supervisor may record a deviation" })).ToBeVisibleAsync();
        var stored = await _app.Services.GetRequiredService<PackRecorder>().GetStageAsync("BP-DEV-E2E", 2);
        Assert.DoesNotContain(stored!.Entries, e => e.CheckCode == "2.3.1" && e.ModuleY == QcResult.Ok);
        await page.Context.CloseAsync();

        var inspector = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(inspector, TestPeople.Rig, "/entry/BP-DEV-E2E");
        await inspector.GetByRole(AriaRole.Button, new() { Name = "Stage 2: Module assembly" }).ClickAsync();
        await Check(inspector, "2.3.1").GetByLabel("Measured Y").FillAsync("73");
        await ResultButton(inspector, "2.3.1", "Y", "OK").ClickAsync();
        await Check(inspector, "2.3.1").GetByLabel("Deviation reason, Module Y").FillAsync("Shim fitted, approved by design");
        await Button(inspector, "Save").ClickAsync();
        await Expect(inspector.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved" })).ToBeVisibleAsync();
        await Expect(inspector.GetByRole(AriaRole.Region, new() { Name = "History" })).ToContainTextAsync("Shim fitted, approved by design");

        var after = await _app.Services.GetRequiredService<PackRecorder>().GetStageAsync("BP-DEV-E2E", 2);
        var row = after!.Entries.Single(e => e.CheckCode == "2.3.1");
        Assert.Equal((QcResult.Ok, 73.0, "Shim fitted, approved by design"), (row.ModuleY, row.MeasuredY!.Value, row.DeviationY));
        await inspector.Context.CloseAsync();
    }

    [Fact]
    public async Task All_OK_leaves_the_checks_that_need_a_measured_value_and_says_so()
    {
        Assert.True((await _app.Services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-ALLOK-E2E", null, null, TestPeople.Rig.Actor())).Succeeded);
        var page = await browser.NewPageAsync(width: 1280, height: 900);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-ALLOK-E2E");

        await Button(page, "All OK for Module X").ClickAsync();

        await Expect(page.GetByText("All OK for Module X left 1.1.1, 1.1.2 open")).ToBeVisibleAsync();
        await Expect(ResultButton(page, "1.2.1", "X", "OK")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(ResultButton(page, "1.1.1", "X", "OK")).ToHaveAttributeAsync("aria-pressed", "false");
        await page.Context.CloseAsync();
    }
}
