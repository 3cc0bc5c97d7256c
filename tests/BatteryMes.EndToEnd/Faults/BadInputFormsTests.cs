using BatteryMes.EndToEnd.DataEntry;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Faults;

/// <summary>The bad-input sweep through the real pages in Chromium: Data Entry here, the other pages in
/// BadInputFormsTests.Pages.cs (the API has its own sweep in
/// BatteryMes.Tests/Faults/BadInputSweepTests.cs). Each hostile input gets a clear visible message or is stored as
/// plain text, no script runs, the circuit stays alive (a good scan still works afterwards), the server stays up and
/// the pack stored before the sweep is unchanged.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class BadInputFormsTests(BrowserFixture browser, SweepApp sweep) : IClassFixture<SweepApp>
{
    private static Task ScanAsync(WatchedPage page, string text) => StagePage.ScanAsync(page.Page, text);

    private static ILocator Check(WatchedPage page, string code) => StagePage.Check(page.Page, code);

    /// <summary>A good scan after the bad ones: the circuit still answers.</summary>
    private static async Task KeptPackStillOpensAsync(WatchedPage page)
    {
        await ScanAsync(page, SweepApp.KeptPackId);
        await Expect(page.Heading($"Pack {SweepApp.KeptPackId}")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Hostile_text_in_the_pack_id_field_gets_a_message_and_a_good_scan_still_opens_the_pack()
    {
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/entry", width: 1024);
        var alert = page.Page.GetByRole(AriaRole.Alert);
        (string Scanned, string Message)[] refused =
        [
            ("", "Nothing was scanned"),
            ("   ", "Nothing was scanned"),
            (Hostile.Megabyte, "too long to be a pack label"),
            (Hostile.ControlCharacters, "'[31mred' is not a valid pack ID"),
            (Hostile.RightToLeftOverride, "is not a valid pack ID"),
            (Hostile.Unicode, "is not a valid pack ID"),
            (Hostile.Sql, "is not a valid pack ID"),
            (Hostile.Script, "the limit is 40"),
            (Hostile.ImageOnError, "the limit is 40"),
            (Hostile.Hyperlink, "not a valid Battery MES label URL"),
            (Hostile.Script[..20], "is not a valid pack ID"),
            (Hostile.Plus, "is not a valid pack ID"),
            (Hostile.AtSum, "is not a valid pack ID"),
            ("-5", "is not a valid pack ID"),
            ("CON", "Windows reserves it"),
            ("javascript:alert(1)//entry/BP-1", "is not a valid pack ID"),
        ];
        foreach (var (scanned, message) in refused)
        {
            await ScanAsync(page, scanned);
            await Expect(alert).ToContainTextAsync(message);
            await Expect(page.Page.GetByRole(AriaRole.Region, new() { Name = "Create pack" })).ToHaveCountAsync(0);
        }

        // A number where an ID is expected is a valid ID: it is offered for registration, nothing more.
        await ScanAsync(page, "12345");
        await Expect(page.Page.GetByText("Pack 12345 is not registered. Create it?")).ToBeVisibleAsync();
        await page.Button("Cancel").ClickAsync();

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
        Assert.Null(await sweep.Recorder.GetPackAsync("12345"));
    }

    [Fact]
    public async Task Module_serials_that_are_too_long_or_hold_control_characters_are_refused_and_others_are_stored_as_plain_text()
    {
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/entry");
        var alert = page.Page.GetByRole(AriaRole.Alert);
        var serialX = page.Page.GetByLabel("Module X serial (optional)");
        var serialY = page.Page.GetByLabel("Module Y serial (optional)");
        await ScanAsync(page, "BP-SWEEP-NEW1");

        await serialX.FillAsync(Hostile.Megabyte);
        await page.Button("Create pack").ClickAsync();
        await Expect(alert).ToContainTextAsync("Module X serial is longer than 64 characters");
        await serialX.FillAsync("MX\u0007\u001b-1");
        await page.Button("Create pack").ClickAsync();
        await Expect(alert).ToContainTextAsync("Module X serial contains control characters");
        Assert.Null(await sweep.Recorder.GetPackAsync("BP-SWEEP-NEW1"));

        await serialX.FillAsync(Hostile.ImageOnError);
        await serialY.FillAsync(Hostile.Sql);
        await page.Button("Create pack").ClickAsync();
        await Expect(page.Heading("Pack BP-SWEEP-NEW1")).ToBeVisibleAsync();
        await Expect(page.Page.GetByText($"Module Y: {Hostile.Sql}")).ToBeVisibleAsync();
        var pack = (await sweep.Recorder.GetPackAsync("BP-SWEEP-NEW1"))!;
        Assert.Equal((Hostile.ImageOnError, Hostile.Sql), (pack.ModuleXSerial, pack.ModuleYSerial));

        await ScanAsync(page, "BP-SWEEP-NEW2");
        await serialX.FillAsync(Hostile.Unicode);
        await serialY.FillAsync("   ");
        await page.Button("Create pack").ClickAsync();
        await Expect(page.Page.GetByText($"Module X: {Hostile.Unicode}")).ToBeVisibleAsync();
        pack = (await sweep.Recorder.GetPackAsync("BP-SWEEP-NEW2"))!;
        Assert.Equal((Hostile.Unicode, (string?)null), (pack.ModuleXSerial, pack.ModuleYSerial));

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task Names_and_remarks_keep_hostile_text_as_plain_text_and_what_is_too_long_is_refused_with_nothing_stored()
    {
        const string packId = "BP-SWEEP-TEXT";
        await sweep.CreatePackAsync(packId);
        // The technician and the QC inspector are the names of the people signed in: an admin typed them, so they are
        // the hostile text here, and one too long never gets in.
        var people = sweep.App.Services.GetRequiredService<PeopleDirectory>();
        var scripted = new TestPerson("sweep-script", Hostile.Script, [Role.Operator, Role.QcInspector], "4321", null);
        Assert.True((await people.AddAsync(new NewPerson(scripted.Login, scripted.FullName, scripted.Roles, scripted.Pin, null), "tests")).Succeeded);
        var tooLong = await people.AddAsync(new NewPerson("sweep-long", Hostile.Megabyte, [Role.Operator], "4321", null), "tests");
        Assert.Contains("at most 100 characters", tooLong.Message);
        Assert.Null(await people.FindAsync("sweep-long"));
        await using var page = await WatchedPage.OpenAsync(browser, sweep, $"/entry/{packId}", width: 1024, person: scripted);
        var status = page.Page.GetByRole(AriaRole.Status);
        var history = page.Page.GetByRole(AriaRole.Region, new() { Name = "History" });

        async Task<StageView> SaveAsync(string remarks, string expected)
        {
            await page.Page.GetByLabel("Remarks").FillAsync(remarks);
            await page.Button("Save").ClickAsync();
            await Expect(status).ToContainTextAsync(expected);
            return (await sweep.Recorder.GetStageAsync(packId, 1))!;
        }

        var stage = await SaveAsync(Hostile.Hyperlink, "Saved");
        Assert.Equal((Hostile.Script, Hostile.Hyperlink), (stage.Technician, stage.Remarks));
        await Expect(StagePage.ReadOnlyField(page.Page, "Technician")).ToHaveTextAsync(Hostile.Script);
        await Expect(history).ToContainTextAsync(Hostile.Script);

        stage = await SaveAsync($"{Hostile.RightToLeftOverride} before\u0007\u001bafter {Hostile.AtSum}", "Saved");
        Assert.Equal($"{Hostile.RightToLeftOverride} beforeafter {Hostile.AtSum}", stage.Remarks);
        var kept = stage;

        stage = await SaveAsync(Hostile.Megabyte, $"Remarks is longer than {PackRecorder.MaxRemarksLength} characters");
        Assert.Equal((kept.Remarks, kept.Version), (stage.Remarks, stage.Version));

        stage = await SaveAsync("   ", "Saved");
        Assert.Null(stage.Remarks);

        // Signed off by the same person (the sweep app does not ask for a second person): the QC inspector is that name, as text.
        await page.Page.MeasureStageOneAsync("X");
        await page.Button("All OK for Module X").ClickAsync();
        await page.Page.MeasureStageOneAsync("Y");
        await page.Button("All OK for Module Y").ClickAsync();
        await StagePage.SignOffAsync(page.Page, scripted.Pin!);
        // The next stage opens by itself after a sign-off: go back to the stage just completed.
        await Expect(page.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stage 1 (Cell sorting) completed. Stage 2 (Module assembly) is open now.");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Stage 1: Cell sorting" }).ClickAsync();
        await Expect(page.Page.GetByLabel("Stage status")).ToHaveTextAsync("Completed (QC OK)");
        await Expect(StagePage.ReadOnlyField(page.Page, "QC inspector")).ToHaveTextAsync($"{Hostile.Script} (sweep-script)");
        Assert.Equal(Hostile.Script, (await sweep.Recorder.GetStageAsync(packId, 1))!.QcInspector);

        // The reports carry the stored text safely: a formula stays text in the CSV.
        using var http = sweep.App.CreateHttpClient();
        Assert.True((await http.GetAsync($"/api/packs/{packId}/report.xlsx")).IsSuccessStatusCode);
        var csv = await http.GetStringAsync($"/api/reports/results.csv?q={packId}");
        Assert.DoesNotContain(",=HYPERLINK", csv);

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task Measured_values_that_are_not_numbers_are_flagged_at_once_and_refused_on_save()
    {
        const string packId = "BP-SWEEP-MEAS";
        await sweep.CreatePackAsync(packId);
        await using var page = await WatchedPage.OpenAsync(browser, sweep, $"/entry/{packId}");
        var voltage = Check(page, "1.1.1");
        var measured = voltage.GetByLabel("Measured X");
        var verdict = voltage.GetByLabel("Module X measurement verdict");

        foreach (var text in new[] { "abc", Hostile.Sql, Hostile.Script, "NaN", "Infinity", "1e400", "0x10", "3.5.9", Hostile.Megabyte })
        {
            await measured.FillAsync(text);
            await Expect(verdict).ToHaveTextAsync("Not a number");
        }
        await page.Button("Save").ClickAsync();
        await Expect(page.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Measured values must be numbers (for example 3.59). Correct: 1.1.1 Module X.");
        Assert.Equal(0, (await sweep.Recorder.GetStageAsync(packId, 1))!.Version);

        foreach (var huge in new[] { "-1e300", "1e300", "-0.000001" })
        {
            await measured.FillAsync(huge);
            await Expect(verdict).ToHaveTextAsync("NOT OK");
        }
        await measured.FillAsync("3,59");
        await Expect(verdict).ToHaveTextAsync("OK");
        await page.Button("Save").ClickAsync();
        await Expect(page.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var entry = (await sweep.Recorder.GetStageAsync(packId, 1))!.Entries.Single(e => e.CheckCode == "1.1.1");
        Assert.Equal((QcResult.Ok, (double?)3.59), (entry.ModuleX, entry.MeasuredX));

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task A_reopen_reason_that_is_empty_or_too_long_is_refused_and_a_hostile_one_is_kept_as_text()
    {
        const string packId = "BP-SWEEP-REOPEN";
        await sweep.CreatePackAsync(packId);
        await sweep.CompleteStageOneAsync(packId);
        await using var page = await WatchedPage.OpenAsync(browser, sweep, $"/entry/{packId}");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Stage 1: Cell sorting" }).ClickAsync();
        var reason = page.Page.GetByLabel("Reason for reopening");
        var status = page.Page.GetByRole(AriaRole.Status);

        foreach (var (text, message) in new[] { ("", "Give a reason"), ("   ", "Give a reason"), (Hostile.Megabyte, "The reason is longer than 500 characters") })
        {
            await reason.FillAsync(text);
            await page.Button("Reopen for correction").ClickAsync();
            await Expect(status).ToContainTextAsync(message);
            await Expect(StagePage.Signature(page.Page)).ToHaveCountAsync(0);
            Assert.NotNull((await sweep.Recorder.GetStageAsync(packId, 1))!.CompletedUtc);
        }

        await StagePage.ReopenAsync(page.Page, Hostile.ImageOnError, TestPeople.Rig.Pin!);
        await Expect(page.Page.GetByLabel("Stage status")).ToHaveTextAsync("Ready to complete");
        await Expect(page.Page.GetByRole(AriaRole.Region, new() { Name = "History" })).ToContainTextAsync(Hostile.ImageOnError);

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
    }

    /// <summary>Sends a file through the page's real file input and waits for the page's message about it.</summary>
    private static async Task UploadAsync(WatchedPage page, string name, string mime, byte[] bytes, string message)
    {
        // Handing 21 MB to the browser takes a while on a busy machine.
        await page.Page.GetByLabel("Upload label photo").SetInputFilesAsync(new FilePayload { Name = name, MimeType = mime, Buffer = bytes }, new() { Timeout = 90_000 });
        await Expect(page.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync(message, new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task Label_photo_uploads_that_are_not_photos_empty_cut_off_or_decompression_bombs_get_a_message()
    {
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/entry");

        await UploadAsync(page, "label.jpg", "image/jpeg", "%PDF-1.7 not a photo at all"u8.ToArray(), "is not an image that can be read");
        await UploadAsync(page, "empty.jpg", "image/jpeg", [], "The file is empty");
        await UploadAsync(page, "cut-off.jpg", "image/jpeg", HostilePictures.Truncated(LabelPictures.PhotoWithoutCode()), "incomplete");
        await UploadAsync(page, "bomb.png", "image/png", HostilePictures.DecompressionBomb(30_000, 30_000), "the limit is 64 megapixels");
        await UploadAsync(page, "tool.exe", "application/octet-stream", [0x4D, 0x5A, 0x90, 0x00], "is not a JPEG, PNG or WebP photo");

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task A_photo_over_20_MB_is_refused_and_a_50_megapixel_photo_of_a_label_opens_the_pack()
    {
        await sweep.CreatePackAsync("BP-SWEEP-PHOTO");
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/entry");

        var oversized = new byte[21 * 1024 * 1024];
        LabelPictures.PhotoWithoutCode().CopyTo(oversized, 0);
        await UploadAsync(page, "huge.jpg", "image/jpeg", oversized, "the limit is 20 MB");

        var fiftyMegapixels = HostilePictures.LargeLabelPhoto(sweep.App.Url("/entry/BP-SWEEP-PHOTO"), 8000, 6250, codeSide: 2400);
        await page.Page.GetByLabel("Upload label photo").SetInputFilesAsync(
            new FilePayload { Name = "phone-50mp.jpg", MimeType = "image/jpeg", Buffer = fiftyMegapixels }, new() { Timeout = 90_000 });
        await Expect(page.Heading("Pack BP-SWEEP-PHOTO")).ToBeVisibleAsync(new() { Timeout = 60_000 });

        await KeptPackStillOpensAsync(page);
        await page.AssertNothingBrokeAsync();
    }
}
