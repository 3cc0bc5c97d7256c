using System.Text.RegularExpressions;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static BatteryMes.EndToEnd.Infrastructure.StagePage;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.DataEntry;

/// <summary>The Data Entry page as an operator uses it at arm's length on a 768 px and a 1024 px wide tablet.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ShopFloorTabletTests(BrowserFixture browser) : IAsyncLifetime
{
    // Far from UTC (and from this machine's zone) with a half hour, so a time shown in UTC or the server's zone cannot pass.
    private const string PlantZone = "Asia/Kolkata";
    private const int TabletHeight = 700;
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync(settings: new Dictionary<string, string?>
    {
        ["BatteryMes:Server:TimeZone"] = PlantZone,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private PackRecorder Recorder => _app.Services.GetRequiredService<PackRecorder>();
    private ProcessRoute Route => _app.Services.GetRequiredService<ProcessRoute>();

    private async Task CreatePackAsync(string packId) =>
        Assert.True((await Recorder.CreatePackAsync(packId, null, null, TestPeople.Operator.Actor())).Succeeded);

    /// <summary>Every check of the stage passing, recorded by the operator.</summary>
    private async Task RecordPassingAsync(string packId, int stage) =>
        Assert.True((await Recorder.SaveStageAsync(new StageSave(packId, stage, TestChecks.Passing(Route.GetStage(stage))), TestPeople.Operator.Actor())).Succeeded);

    private async Task CompleteAsync(string packId, int stage)
    {
        await RecordPassingAsync(packId, stage);
        Assert.True((await Recorder.CompleteStageAsync(packId, stage, TestPeople.Inspector.Actor())).Succeeded);
    }

    private Task<IPage> TabletAsync(int width) => browser.NewPageAsync(width, TabletHeight);

    private static ILocator StageButton(IPage page, int number) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Stages" }).GetByRole(AriaRole.Button).Nth(number - 1);

    private static Task<string> StyleOfAsync(ILocator element, string property) =>
        element.EvaluateAsync<string>($"e => getComputedStyle(e).{property}");

    /// <summary>True when the whole element lies inside the visible part of the page: within the viewport and below
    /// the fixed app bar.</summary>
    private static async Task AssertInViewportAsync(IPage page, ILocator element, string what)
    {
        var box = await element.BoundingBoxAsync() ?? throw new Xunit.Sdk.XunitException($"{what} is not shown.");
        var viewport = page.ViewportSize!;
        var top = await page.EvaluateAsync<double>("() => document.querySelector('.mud-appbar')?.getBoundingClientRect().bottom ?? 0");
        Assert.True(box.Y >= top - 1 && box.Y + box.Height <= viewport.Height && box.X >= 0 && box.X + box.Width <= viewport.Width,
            $"{what} is at x {box.X:0}, y {box.Y:0} ({box.Width:0} x {box.Height:0}), outside the {viewport.Width} x {viewport.Height} viewport below the app bar at {top:0}.");
    }

    [Theory]
    [InlineData(768)]
    [InlineData(1024)]
    [InlineData(1920)]
    public async Task Stage_buttons_say_each_status_in_words_and_a_qc_not_ok_stage_stands_out_in_its_own_colour(int width)
    {
        await CreatePackAsync("BP-TAB-COLOUR");
        await CompleteAsync("BP-TAB-COLOUR", 1);
        Assert.True((await Recorder.SaveStageAsync(new StageSave("BP-TAB-COLOUR", 2, [new CheckInput(Route.GetStage(2).Checks.First(c => !c.RequiresValue && c.Limits is null).Code, ModuleX: QcResult.NotOk)]),
            TestPeople.Operator.Actor())).Succeeded);
        var page = await TabletAsync(width);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-TAB-COLOUR");

        var completed = StageButton(page, 1);
        var notOk = StageButton(page, 2);
        await Expect(completed).ToContainTextAsync("Completed (QC OK)");
        await Expect(notOk).ToContainTextAsync("QC NOT OK");
        await Expect(StageButton(page, 3)).ToContainTextAsync("Not started");

        Assert.NotEqual(await StyleOfAsync(completed, "backgroundColor"), await StyleOfAsync(notOk, "backgroundColor"));
        // The dashboard's QC NOT OK red with white, bold words at body size: readable at arm's length, not small grey text.
        Assert.Equal("rgb(198, 40, 40)", await StyleOfAsync(notOk, "backgroundColor"));
        var words = notOk.GetByText("QC NOT OK");
        Assert.Equal("rgb(255, 255, 255)", await StyleOfAsync(words, "color"));
        Assert.True(int.Parse(await StyleOfAsync(words, "fontWeight")) >= 700);
        Assert.True(double.Parse((await StyleOfAsync(words, "fontSize")).Replace("px", ""), System.Globalization.CultureInfo.InvariantCulture) >= 14);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor($"entry-stage-colours-{width}.png") });
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData(768)]
    [InlineData(1024)]
    public async Task Saving_a_value_that_is_not_a_number_shows_the_message_beside_the_save_button_without_jumping_to_the_top(int width)
    {
        await CreatePackAsync("BP-TAB-SAVE");
        var page = await TabletAsync(width);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-TAB-SAVE");
        var save = Button(page, "Save");

        await Check(page, "1.1.1").GetByLabel("Measured X").FillAsync("3.5x");
        await save.ScrollIntoViewIfNeededAsync();
        var scrolledTo = await page.EvaluateAsync<double>("() => window.scrollY");
        Assert.True(scrolledTo > 0, "The Save button should be below the first screen at this size.");
        await save.ClickAsync();

        var message = page.GetByRole(AriaRole.Status);
        await Expect(message).ToContainTextAsync("Measured values must be numbers (for example 3.59). Correct: 1.1.1 Module X.");
        await AssertInViewportAsync(page, message, "The message");
        await AssertInViewportAsync(page, save, "The Save button");

        // A good save: the page stays where the operator is (the scan field takes the focus without scrolling).
        await Check(page, "1.1.1").GetByLabel("Measured X").FillAsync("3.59");
        await save.ClickAsync();
        await Expect(message).ToContainTextAsync("Saved");
        await Expect(page.GetByLabel("Battery Pack ID")).ToBeFocusedAsync();
        await AssertInViewportAsync(page, message, "The message after saving");
        await AssertInViewportAsync(page, save, "The Save button after saving");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Completing_a_stage_opens_the_next_stage_and_the_last_one_says_the_pack_is_ready_for_dispatch()
    {
        await CreatePackAsync("BP-TAB-NEXT");
        await RecordPassingAsync("BP-TAB-NEXT", 1);
        var page = await TabletAsync(768);
        await _app.SignInAsync(page, TestPeople.Inspector, "/entry/BP-TAB-NEXT");

        await SignOffAsync(page, TestPeople.Inspector.Pin!);

        await Expect(Heading(page, "Stage 2: Module assembly")).ToBeVisibleAsync();
        var message = page.GetByRole(AriaRole.Status);
        await Expect(message).ToHaveTextAsync("Stage 1 (Cell sorting) completed. Stage 2 (Module assembly) is open now.");
        await AssertInViewportAsync(page, message, "The completion message");
        await Expect(StageButton(page, 2)).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(StageButton(page, 1)).ToContainTextAsync("Completed (QC OK)");

        foreach (var stage in Route.Stages.Where(s => s.Number is > 1 and < 8)) await CompleteAsync("BP-TAB-NEXT", stage.Number);
        await RecordPassingAsync("BP-TAB-NEXT", 8);
        await _app.SignInAsync(page, TestPeople.Inspector, "/entry/BP-TAB-NEXT");
        await Expect(Heading(page, "Stage 8: Ready for Dispatch")).ToBeVisibleAsync();
        await SignOffAsync(page, TestPeople.Inspector.Pin!);

        await Expect(message).ToHaveTextAsync("Stage 8 (Ready for Dispatch) completed. Pack BP-TAB-NEXT is ready for dispatch.");
        await AssertInViewportAsync(page, message, "The dispatch message");
        await Expect(page.GetByLabel("Pack status")).ToHaveTextAsync(PackStatus.ReadyForDispatch.ToText());
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData(768)]
    [InlineData(1024)]
    public async Task History_is_collapsed_paged_by_twenty_and_dated_in_plant_time_with_no_column_cut_off(int width)
    {
        await CreatePackAsync("BP-TAB-HIST");
        var reason = "Re-measured after the module was reseated in its fixture by the second shift, see the rework sheet";
        for (var i = 1; i <= 24; i++)
            Assert.True((await Recorder.SaveStageAsync(new StageSave("BP-TAB-HIST", 1, [], $"Remark number {i} with a long text that has to wrap inside its cell {reason}"),
                TestPeople.Operator.Actor())).Succeeded);
        var history = await Recorder.GetHistoryAsync("BP-TAB-HIST");
        var page = await TabletAsync(width);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-TAB-HIST");
        var region = page.GetByRole(AriaRole.Region, new() { Name = "History" });
        var table = region.GetByRole(AriaRole.Table);

        var show = region.GetByRole(AriaRole.Button, new() { Name = $"Show history ({history.Count} changes)" });
        await Expect(show).ToBeVisibleAsync();
        await Expect(table).ToBeHiddenAsync();
        await show.ClickAsync();

        await Expect(table).ToBeVisibleAsync();
        var rows = table.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(20);
        await Expect(region).ToContainTextAsync($"1-20 of {history.Count}");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(PlantZone);
        var newest = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(history[0].AtUtc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm:ss");
        // The time cell's text (a stacked cell's label is drawn by CSS, not text); date and time may wrap onto two lines.
        var firstTime = Regex.Replace(await rows.First.Locator("td").First.TextContentAsync() ?? "", @"\s+", " ").Trim();
        Assert.Equal(newest, firstTime);
        Assert.Matches(PlantTime(), firstTime);
        await Expect(region).Not.ToContainTextAsync("T" + history[0].AtUtc.ToString("HH:mm"));

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The page scrolls sideways.");
        foreach (var cell in await rows.First.Locator("td").AllAsync())
        {
            Assert.True(await cell.EvaluateAsync<bool>("c => c.scrollWidth <= c.clientWidth + 1"), $"A history cell is cut off: {await cell.InnerTextAsync()}");
            var box = (await cell.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= width, $"A history cell reaches past the screen edge: {await cell.InnerTextAsync()}");
        }
        await Expect(rows.First).ToContainTextAsync(reason);

        await region.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(history.Count - 20);
        await rows.First.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor($"entry-history-{width}.png") });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task On_a_blocked_stage_every_input_is_disabled_and_one_sentence_says_why()
    {
        await CreatePackAsync("BP-TAB-BLOCK");
        Assert.True((await Recorder.SaveStageAsync(new StageSave("BP-TAB-BLOCK", 1, [new CheckInput("1.2.2", ModuleY: QcResult.NotOk)]), TestPeople.Operator.Actor())).Succeeded);
        var page = await TabletAsync(768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-TAB-BLOCK");

        await StageButton(page, 2).ClickAsync();

        await Expect(Heading(page, "Stage 2: Module assembly")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(
            "Blocked: Stage 1 (Cell sorting) has NOT OK on check 1.2.2 for Module Y. Correct it before recording later stages.");
        var checks = page.GetByRole(AriaRole.Region, new() { NameRegex = new Regex("^Check ") });
        Assert.Equal(Route.GetStage(2).Checks.Count, await checks.CountAsync());
        var inputs = checks.Locator("input, textarea, button");
        Assert.True(await inputs.CountAsync() >= Route.GetStage(2).Checks.Count * 7);
        foreach (var input in await inputs.AllAsync()) await Expect(input).ToBeDisabledAsync();
        await Expect(page.GetByLabel("Remarks", new() { Exact = true })).ToBeDisabledAsync();
        await Expect(Button(page, "All OK for Module X")).ToBeDisabledAsync();
        await Expect(Button(page, "All OK for Module Y")).ToBeDisabledAsync();
        await Expect(Button(page, "Save")).ToBeDisabledAsync();
        await Expect(Button(page, "Complete Process")).ToHaveCountAsync(0);

        await StageButton(page, 1).ClickAsync();
        await Expect(ResultButton(page, "1.2.2", "Y", "OK")).ToBeEnabledAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_completed_stage_locks_its_inputs_and_says_a_supervisor_reopens_it()
    {
        await CreatePackAsync("BP-TAB-DONE");
        await CompleteAsync("BP-TAB-DONE", 1);
        var page = await TabletAsync(1024);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-TAB-DONE");

        await StageButton(page, 1).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Note).Filter(new() { HasText = "completed and signed off" })).ToHaveTextAsync(
            "This stage is completed and signed off, so its results are locked until a supervisor reopens it for correction.");
        foreach (var input in await Check(page, "1.1.1").Locator("input, button").AllAsync()) await Expect(input).ToBeDisabledAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Scanning_another_pack_with_unsaved_entries_asks_first_and_the_entries_stay_on_the_device()
    {
        await CreatePackAsync("BP-TAB-OPEN-A");
        await CreatePackAsync("BP-TAB-OPEN-B");
        var page = await TabletAsync(768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-TAB-OPEN-A");

        await ResultButton(page, "1.2.3", "Y", "N/A").ClickAsync();
        await ScanAsync(page, "BP-TAB-OPEN-B");

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Unsaved entries on BP-TAB-OPEN-A stage 1");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep editing" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(Heading(page, "Pack BP-TAB-OPEN-A")).ToBeVisibleAsync();
        await Expect(ResultButton(page, "1.2.3", "Y", "N/A")).ToHaveAttributeAsync("aria-pressed", "true");

        await ScanAsync(page, "bp-tab-open-b");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Discard and open BP-TAB-OPEN-B" }).ClickAsync();

        await Expect(Heading(page, "Pack BP-TAB-OPEN-B")).ToBeVisibleAsync();
        Assert.Contains("1.2.3", await page.EvaluateAsync<string?>("() => localStorage.getItem('batterymes.draft.BP-TAB-OPEN-A.1')"));
        Assert.Equal(QcResult.Empty, (await Recorder.GetStageAsync("BP-TAB-OPEN-A", 1))!.Entries.SingleOrDefault(e => e.CheckCode == "1.2.3").ModuleY);

        // Nothing typed on B: scanning A again opens it at once, and the kept entries are offered.
        await ScanAsync(page, "BP-TAB-OPEN-A");
        await Expect(Heading(page, "Pack BP-TAB-OPEN-A")).ToBeVisibleAsync();
        await Expect(Button(page, "Restore unsaved entries")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_photo_with_two_labels_lists_both_packs_and_opens_the_one_chosen()
    {
        await CreatePackAsync("BP-TAB-PHOTO-1");
        await CreatePackAsync("BP-TAB-PHOTO-2");
        var page = await TabletAsync(768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry");

        await page.GetByLabel("Upload label photo").SetInputFilesAsync(new FilePayload
        {
            Name = "tray.jpg", MimeType = "image/jpeg", Buffer = LabelPhotos.SideBySide(_app.Url("/entry/BP-TAB-PHOTO-1"), "BP-TAB-PHOTO-2"),
        });

        var choices = page.GetByRole(AriaRole.Group, new() { Name = "Labels in the photo" });
        await Expect(choices).ToContainTextAsync("The photo shows 2 different labels. Choose the pack to open.", new() { Timeout = 60_000 });
        await Expect(choices.GetByRole(AriaRole.Button)).ToHaveTextAsync(["Open BP-TAB-PHOTO-1", "Open BP-TAB-PHOTO-2"]);
        Assert.EndsWith("/entry", page.Url);

        await Button(page, "Open BP-TAB-PHOTO-2").ClickAsync();
        await Expect(Heading(page, "Pack BP-TAB-PHOTO-2")).ToBeVisibleAsync();
        await Expect(choices).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")]
    private static partial Regex PlantTime();
}
