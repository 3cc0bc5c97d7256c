using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static BatteryMes.EndToEnd.Infrastructure.StagePage;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.DataEntry;

[Collection(BrowserCollection.Name)]
public sealed class EntryPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly Actor Setup = new("setup", "127.0.0.1");
    private AppServer _app = null!;

    // plant-server.test: the LAN name the secure-context test reaches this app by (the app accepts only names it knows).
    public async Task InitializeAsync() => _app = await AppServer.StartAsync(settings: new Dictionary<string, string?>
    {
        ["BatteryMes:Security:HostNames"] = "plant-server.test",
    });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private PackRecorder Recorder => _app.Services.GetRequiredService<PackRecorder>();

    private async Task CreatePackAsync(string packId) => Assert.True((await Recorder.CreatePackAsync(packId, null, null, Setup)).Succeeded);

    [Fact]
    public async Task Typing_an_unknown_id_and_pressing_enter_offers_to_create_the_pack_and_then_opens_it()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Rig, "/entry");
        await Expect(page.GetByLabel("Battery Pack ID")).ToBeFocusedAsync();

        await ScanAsync(page, "BP-E2E-0001");
        await Expect(page.GetByText("Pack BP-E2E-0001 is not registered. Create it?")).ToBeVisibleAsync();
        await page.GetByLabel("Module X serial (optional)").FillAsync("MX-77");
        await Button(page, "Create pack").ClickAsync();

        await Expect(Heading(page, "Pack BP-E2E-0001")).ToBeVisibleAsync();
        await Expect(Heading(page, "Stage 1: Cell sorting")).ToBeVisibleAsync();
        await Expect(page.GetByText("Module X: MX-77")).ToBeVisibleAsync();
        Assert.EndsWith("/entry/BP-E2E-0001", page.Url);
        await Expect(page.GetByLabel("Battery Pack ID")).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_scanned_label_url_and_a_deep_link_open_the_pack()
    {
        await CreatePackAsync("BP-E2E-0002");
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/entry");

        await ScanAsync(page, "  http://192.168.10.20:8501/entry/BP-E2E-0002?from=label#top\t");
        await Expect(Heading(page, "Pack BP-E2E-0002")).ToBeVisibleAsync();

        await _app.SignInAsync(page, TestPeople.Rig, "/entry/BP-E2E-0002");
        await Expect(Heading(page, "Pack BP-E2E-0002")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stage 8: Ready for Dispatch" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_bad_id_is_refused_with_a_message_that_says_what_is_allowed()
    {
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/entry");

        await ScanAsync(page, "BP 12/ä");

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("letters A-Z, digits 0-9");
        await Expect(page.GetByText("Create it?")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_rotated_compressed_photo_of_a_label_opens_the_pack_and_bad_uploads_are_refused()
    {
        await CreatePackAsync("BP-E2E-0003");
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/entry");
        var upload = page.GetByLabel("Upload label photo");

        await upload.SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "not a photo"u8.ToArray() });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("is not a JPEG, PNG or WebP photo");

        await upload.SetInputFilesAsync(new FilePayload { Name = "fake.jpg", MimeType = "image/jpeg", Buffer = "this is text, not a JPEG"u8.ToArray() });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not an image that can be read");

        await upload.SetInputFilesAsync(new FilePayload { Name = "wall.jpg", MimeType = "image/jpeg", Buffer = LabelPictures.PhotoWithoutCode() });
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No QR code could be read", new() { Timeout = 60_000 });

        await upload.SetInputFilesAsync(new FilePayload { Name = "label.jpg", MimeType = "image/jpeg", Buffer = LabelPictures.PhonePhoto(_app.Url("/entry/BP-E2E-0003")) });
        await Expect(Heading(page, "Pack BP-E2E-0003")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_camera_reads_a_label_and_opens_the_pack()
    {
        await CreatePackAsync("BP-E2E-CAM");
        var video = Path.Combine(_app.Database.Folder, "label.y4m");
        LabelPictures.WriteCameraVideo(video, "http://plant.local/entry/BP-E2E-CAM");
        var camera = await browser.LaunchAsync("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-video-capture={video}");
        try
        {
            var page = await browser.NewPageAsync(browser: camera);
            await _app.SignInAsync(page, TestPeople.Rig, "/entry");

            await Button(page, "Scan with camera").ClickAsync();

            await Expect(Heading(page, "Pack BP-E2E-CAM")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(Button(page, "Scan with camera")).ToBeVisibleAsync();
        }
        finally
        {
            await camera.CloseAsync();
        }
    }

    [Fact]
    public async Task Without_a_secure_context_the_camera_points_to_photo_upload_and_the_https_setting()
    {
        // A plant host name mapped to this machine: plain HTTP on a name that is not localhost is not a secure context.
        var port = new Uri(_app.BaseUrl).Port;
        var lan = await browser.LaunchAsync("--host-resolver-rules=MAP plant-server.test 127.0.0.1");
        try
        {
            var page = await browser.NewPageAsync(browser: lan);
            await AppServer.SignInAsync(_app.Services, $"http://plant-server.test:{port}", page, TestPeople.Rig, "/entry");
            Assert.False(await page.EvaluateAsync<bool>("() => window.isSecureContext"));

            await Button(page, "Scan with camera").ClickAsync();

            var notice = page.GetByRole(AriaRole.Alert);
            await Expect(notice).ToContainTextAsync("Upload label photo");
            await Expect(notice).ToContainTextAsync("BatteryMes:Server:Https:Enabled");
        }
        finally
        {
            await lan.CloseAsync();
        }
    }

    [Fact]
    public async Task Two_people_saving_module_x_and_module_y_of_one_stage_at_once_both_keep_their_work()
    {
        await CreatePackAsync("BP-E2E-0004");
        var asha = await browser.NewPageAsync(width: 1024, height: 768);
        var ravi = await browser.NewPageAsync();
        await _app.SignInAsync(asha, TestPeople.Operator, "/entry/BP-E2E-0004");
        await _app.SignInAsync(ravi, TestPeople.SecondOperator, "/entry/BP-E2E-0004");

        await asha.MeasureStageOneAsync("X");
        await Button(asha, "All OK for Module X").ClickAsync();
        await ravi.MeasureStageOneAsync("Y");
        await Button(ravi, "All OK for Module Y").ClickAsync();
        await Task.WhenAll(Button(asha, "Save").ClickAsync(), Button(ravi, "Save").ClickAsync());
        await Expect(asha.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        await Expect(ravi.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");

        var stage = (await Recorder.GetStageAsync("BP-E2E-0004", 1))!;
        Assert.Equal(StageStatus.ReadyToComplete, stage.Status);
        Assert.All(stage.Entries, e => Assert.Equal((QcResult.Ok, QcResult.Ok), (e.ModuleX, e.ModuleY)));
        await asha.ReloadAsync();
        await asha.WaitForBlazorAsync();
        await Expect(ResultButton(asha, "1.2.3", "Y", "OK")).ToHaveAttributeAsync("aria-pressed", "true");
        await asha.Context.CloseAsync();
        await ravi.Context.CloseAsync();
    }

    [Fact]
    public async Task A_conflicting_edit_shows_both_values_and_the_second_user_chooses()
    {
        await CreatePackAsync("BP-E2E-0005");
        var asha = await browser.NewPageAsync();
        var ravi = await browser.NewPageAsync();
        await _app.SignInAsync(asha, TestPeople.Operator, "/entry/BP-E2E-0005");
        await _app.SignInAsync(ravi, TestPeople.SecondOperator, "/entry/BP-E2E-0005");

        await ResultButton(asha, "1.2.1", "X", "NOT OK").ClickAsync();
        await Button(asha, "Save").ClickAsync();
        await Expect(asha.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        await ResultButton(ravi, "1.2.1", "X", "N/A").ClickAsync();
        await ResultButton(ravi, "1.2.2", "X", "OK").ClickAsync();
        await Button(ravi, "Save").ClickAsync();

        var conflicts = ravi.GetByRole(AriaRole.Region, new() { Name = "Conflicting edits" });
        await Expect(conflicts).ToBeVisibleAsync();
        var row = conflicts.GetByRole(AriaRole.Row).Filter(new() { HasText = "1.2.1" });
        await Expect(row).ToContainTextAsync("Module X");
        await Expect(row).ToContainTextAsync("N/A");
        await Expect(row).ToContainTextAsync("NOT OK");
        var stored = (await Recorder.GetStageAsync("BP-E2E-0005", 1))!;
        Assert.Equal(QcResult.NotOk, stored.Entries.Single(e => e.CheckCode == "1.2.1").ModuleX);
        Assert.Equal(QcResult.Ok, stored.Entries.Single(e => e.CheckCode == "1.2.2").ModuleX);

        await row.GetByRole(AriaRole.Button, new() { Name = "Keep mine" }).ClickAsync();
        await Expect(conflicts).ToHaveCountAsync(0);
        Assert.Equal(QcResult.NotApplicable, (await Recorder.GetStageAsync("BP-E2E-0005", 1))!.Entries.Single(e => e.CheckCode == "1.2.1").ModuleX);
        await asha.Context.CloseAsync();
        await ravi.Context.CloseAsync();
    }

    [Fact]
    public async Task Complete_process_is_offered_only_when_every_check_has_both_results_and_a_reopen_reason_shows_in_the_history()
    {
        await CreatePackAsync("BP-E2E-0006");
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Rig, "/entry/BP-E2E-0006");
        var complete = Button(page, "Complete Process");

        await Expect(complete).ToHaveCountAsync(0);
        await page.MeasureStageOneAsync("X");
        await Button(page, "All OK for Module X").ClickAsync();
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Module Y still missing all 5 checks");
        await Expect(complete).ToHaveCountAsync(0);
        await page.MeasureStageOneAsync("Y");
        await Button(page, "All OK for Module Y").ClickAsync();
        await Expect(complete).ToBeVisibleAsync();
        await complete.ClickAsync();
        await Expect(Signature(page).GetByLabel("Inspector login")).ToHaveValueAsync(TestPeople.Rig.Login);
        await Signature(page).GetByLabel("PIN or password").FillAsync(TestPeople.Rig.Pin!);
        await Button(page, "Sign off and complete").ClickAsync();

        // The next stage opens by itself after a sign-off: go back to the stage just completed.
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stage 1 (Cell sorting) completed. Stage 2 (Module assembly) is open now.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stage 1: Cell sorting" }).ClickAsync();
        await Expect(page.GetByLabel("Stage status")).ToHaveTextAsync("Completed (QC OK)");
        await Expect(ReadOnlyField(page, "QC inspector")).ToHaveTextAsync("Test Rig (rig)");
        await page.GetByLabel("Reason for reopening").FillAsync("Voltage re-measured after rework");
        await Button(page, "Reopen for correction").ClickAsync();
        await Expect(Signature(page).GetByLabel("Supervisor login")).ToHaveValueAsync(TestPeople.Rig.Login);
        await Signature(page).GetByLabel("PIN or password").FillAsync(TestPeople.Rig.Pin!);
        await Button(page, "Sign and reopen").ClickAsync();
        await Expect(page.GetByLabel("Stage status")).ToHaveTextAsync("Ready to complete");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "History" })).ToContainTextAsync("Voltage re-measured after rework");
        await Expect(page.GetByLabel("Battery Pack ID")).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_not_ok_blocks_later_stages_and_the_page_names_the_stage_and_check()
    {
        await CreatePackAsync("BP-E2E-0007");
        await Recorder.SaveStageAsync(new StageSave("BP-E2E-0007", 1, [new CheckInput("1.2.2", ModuleY: QcResult.NotOk)]), Setup);
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/entry/BP-E2E-0007");

        await page.GetByRole(AriaRole.Button, new() { Name = "Stage 2: Module assembly" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Stage 1 (Cell sorting) has NOT OK on check 1.2.2 for Module Y");
        await Expect(Button(page, "Save")).ToBeDisabledAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_measured_value_is_judged_against_its_limits_as_it_is_typed()
    {
        await CreatePackAsync("BP-E2E-0008");
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/entry/BP-E2E-0008");
        var voltage = Check(page, "1.1.1");

        await voltage.GetByLabel("Measured X").PressSequentiallyAsync("3.70");
        await Expect(voltage.GetByLabel("Module X measurement verdict")).ToHaveTextAsync("NOT OK");
        await Expect(ResultButton(page, "1.1.1", "X", "NOT OK")).ToHaveAttributeAsync("aria-pressed", "true");

        await voltage.GetByLabel("Measured X").FillAsync("3,59");
        await Expect(voltage.GetByLabel("Module X measurement verdict")).ToHaveTextAsync("OK");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var entry = (await Recorder.GetStageAsync("BP-E2E-0008", 1))!.Entries.Single(e => e.CheckCode == "1.1.1");
        Assert.Equal((QcResult.Ok, (double?)3.59), (entry.ModuleX, entry.MeasuredX));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Unsaved_entries_survive_a_reload_and_the_technician_is_the_person_signed_in()
    {
        await CreatePackAsync("BP-E2E-0009");
        await CreatePackAsync("BP-E2E-0010");
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-E2E-0009");
        await Expect(ReadOnlyField(page, "Technician")).ToHaveTextAsync("-");

        await ResultButton(page, "1.2.3", "Y", "N/A").ClickAsync();
        await page.WaitForFunctionAsync("() => (localStorage.getItem('batterymes.draft.BP-E2E-0009.1') || '').includes('1.2.3')");
        await page.ReloadAsync();
        await page.WaitForBlazorAsync();

        await Button(page, "Restore unsaved entries").ClickAsync();
        await Expect(ResultButton(page, "1.2.3", "Y", "N/A")).ToHaveAttributeAsync("aria-pressed", "true");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        await Expect(ReadOnlyField(page, "Technician")).ToHaveTextAsync("Olga Operator");
        var stage = (await Recorder.GetStageAsync("BP-E2E-0009", 1))!;
        Assert.Equal(("Olga Operator", QcResult.NotApplicable), (stage.Technician, stage.Entries.Single(e => e.CheckCode == "1.2.3").ModuleY));
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('batterymes.draft.BP-E2E-0009.1')"));

        await ScanAsync(page, "BP-E2E-0010");
        await Expect(Heading(page, "Pack BP-E2E-0010")).ToBeVisibleAsync();
        await Expect(page.GetByText("Saving as Olga Operator (olga)")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The page scrolls sideways at tablet width.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_tablet_width_the_eight_stage_buttons_form_an_even_grid_large_enough_for_gloves()
    {
        await CreatePackAsync("BP-E2E-GRID");
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Rig, "/entry/BP-E2E-GRID");
        var stages = page.GetByRole(AriaRole.Navigation, new() { Name = "Stages" }).GetByRole(AriaRole.Button);
        await Expect(stages).ToHaveCountAsync(8);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-entry-stages-1024.png") });

        var boxes = new List<LocatorBoundingBoxResult>();
        foreach (var button in await stages.AllAsync()) boxes.Add((await button.BoundingBoxAsync())!);
        // Two rows of four, every button the same size, and at least 56 px tall for a gloved finger.
        Assert.Equal(2, boxes.Select(b => Math.Round(b.Y)).Distinct().Count());
        Assert.All(boxes.Chunk(4), row => Assert.Equal(row[0].Y, row[3].Y, 1));
        Assert.All(boxes, b => Assert.Equal(boxes[0].Width, b.Width, 1));
        Assert.All(boxes, b => Assert.Equal(boxes[0].Height, b.Height, 1));
        Assert.True(boxes[0].Height >= 56, $"The stage buttons are {boxes[0].Height} px tall.");
        await page.Context.CloseAsync();
    }
}
