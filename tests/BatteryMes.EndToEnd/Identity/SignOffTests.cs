using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static BatteryMes.EndToEnd.Infrastructure.StagePage;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Identity;

/// <summary>Recording and signing off at one station: the operator saves, a QC inspector signs with their own login and
/// PIN; and another badge scanned at the station hands it over without losing what was typed.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignOffTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private PackRecorder Recorder => _app.Services.GetRequiredService<PackRecorder>();

    internal static async Task RecordStageOneAsync(IPage page)
    {
        await page.MeasureStageOneAsync("X");
        await Button(page, "All OK for Module X").ClickAsync();
        await page.MeasureStageOneAsync("Y");
        await Button(page, "All OK for Module Y").ClickAsync();
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
    }

    [Fact]
    public async Task An_operator_saves_and_cannot_sign_off_and_the_inspector_signs_off_at_the_same_station_with_login_and_pin()
    {
        Assert.True((await Recorder.CreatePackAsync("BP-SIGN-1", null, null, TestPeople.Operator.Actor())).Succeeded);
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-SIGN-1");

        await RecordStageOneAsync(page);
        await Expect(ReadOnlyField(page, "Technician")).ToHaveTextAsync("Olga Operator");
        await Expect(ReadOnlyField(page, "QC inspector")).ToHaveTextAsync("-");

        await Button(page, "Complete Process").ClickAsync();
        var panel = Signature(page);
        await Expect(panel).ToContainTextAsync("I have reviewed stage 1 (Cell sorting) of pack BP-SIGN-1 and approve it.");
        // Olga may not sign off: the panel does not offer her login, and refuses it when she types it.
        await Expect(panel.GetByLabel("Inspector login")).ToHaveValueAsync("");
        await panel.GetByLabel("Inspector login").FillAsync(TestPeople.Operator.Login);
        await panel.GetByLabel("PIN or password").FillAsync(TestPeople.Operator.Pin!);
        await Button(page, "Sign off and complete").ClickAsync();
        await Expect(panel.GetByRole(AriaRole.Alert)).ToContainTextAsync("Olga Operator (olga) cannot sign this: it needs the QC inspector or Supervisor role.");
        Assert.Null((await Recorder.GetStageAsync("BP-SIGN-1", 1))!.CompletedUtc);

        await panel.GetByLabel("Inspector login").FillAsync(TestPeople.Inspector.Login);
        await panel.GetByLabel("PIN or password").FillAsync(TestPeople.Inspector.Pin!);
        await panel.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("signature-panel-1024.png") });
        await Button(page, "Sign off and complete").ClickAsync();

        // The next stage opens by itself after a sign-off: go back to the stage just completed.
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stage 1 (Cell sorting) completed. Stage 2 (Module assembly) is open now.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stage 1: Cell sorting" }).ClickAsync();
        await Expect(page.GetByLabel("Stage status")).ToHaveTextAsync("Completed (QC OK)");
        await Expect(ReadOnlyField(page, "QC inspector")).ToHaveTextAsync("Ivan Inspector (ivan)");
        await Expect(ReadOnlyField(page, "Technician")).ToHaveTextAsync("Olga Operator");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Show history") }).ClickAsync();
        var signatureRow = page.GetByRole(AriaRole.Region, new() { Name = "History" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Signature" });
        await Expect(signatureRow).ToContainTextAsync("Ivan Inspector (ivan)");
        await Expect(signatureRow).ToContainTextAsync("Approved: I have reviewed stage 1 (Cell sorting) of pack BP-SIGN-1 and approve it.");
        // The station still belongs to Olga: signing is not signing in.
        await Expect(page.GetByLabel("Signed in as")).ToContainTextAsync("Olga Operator");
        var stage = (await Recorder.GetStageAsync("BP-SIGN-1", 1))!;
        Assert.Equal(("Olga Operator", "Ivan Inspector", "ivan"), (stage.Technician, stage.QcInspector, stage.SignedOffBy));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Another_badge_scanned_on_data_entry_hands_the_station_over_and_the_unsaved_entries_are_offered_again()
    {
        Assert.True((await Recorder.CreatePackAsync("BP-HANDOVER", null, null, TestPeople.Operator.Actor())).Succeeded);
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-HANDOVER");
        await ResultButton(page, "1.2.2", "X", "N/A").ClickAsync();
        await page.WaitForFunctionAsync("() => (localStorage.getItem('batterymes.draft.BP-HANDOVER.1') || '').includes('1.2.2')");

        await SignInPageTests.ScanBadgeAsync(page.GetByLabel("Battery Pack ID"), TestPeople.SecondOperator.Login);

        await Expect(page).ToHaveURLAsync(_app.Url("/signin?login=otto&returnUrl=%2Fentry%2FBP-HANDOVER"));
        await page.WaitForBlazorAsync();
        await Expect(page.GetByLabel("Login or badge")).ToHaveValueAsync("otto");
        await Expect(page.GetByRole(AriaRole.Note)).ToContainTextAsync("Olga Operator (olga) is signed in at this station. Signing in here replaces them");
        await Expect(page.GetByLabel("PIN or password")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(TestPeople.SecondOperator.Pin!);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(_app.Url("/entry/BP-HANDOVER"));
        await page.WaitForBlazorAsync();
        await Expect(page.GetByLabel("Signed in as")).ToContainTextAsync("Otto Operator");
        await Button(page, "Restore unsaved entries").ClickAsync();
        await Expect(ResultButton(page, "1.2.2", "X", "N/A")).ToHaveAttributeAsync("aria-pressed", "true");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var stage = (await Recorder.GetStageAsync("BP-HANDOVER", 1))!;
        Assert.Equal(("Otto Operator", QcResult.NotApplicable), (stage.Technician, stage.Entries.Single(e => e.CheckCode == "1.2.2").ModuleX));
        await page.Context.CloseAsync();
    }
}

/// <summary>BatteryMes:Security:RequireSecondPersonSignOff on: whoever recorded every result of a stage does not also
/// sign it off, even with both roles.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SecondPersonSignOffTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly TestPerson Both = new("bea", "Bea Both", [Role.Operator, Role.QcInspector], "4444", null);
    private AppServer _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AppServer.StartAsync(settings: new Dictionary<string, string?> { ["BatteryMes:Security:RequireSecondPersonSignOff"] = "true" });
        var added = await _app.Services.GetRequiredService<PeopleDirectory>().AddAsync(new NewPerson(Both.Login, Both.FullName, Both.Roles, Both.Pin, null), "tests");
        Assert.True(added.Succeeded, added.Message);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_person_who_recorded_everything_is_told_another_inspector_must_sign_and_the_inspector_then_signs_off()
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync("BP-SECOND", null, null, Both.Actor())).Succeeded);
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, Both, "/entry/BP-SECOND");

        await SignOffTests.RecordStageOneAsync(page);
        await Button(page, "Complete Process").ClickAsync();
        var panel = Signature(page);
        await Expect(panel).ToContainTextAsync("The person who recorded every result of the stage cannot also sign it off.");
        await Expect(panel.GetByLabel("Inspector login")).ToHaveValueAsync(Both.Login);
        await panel.GetByLabel("PIN or password").FillAsync(Both.Pin!);
        await Button(page, "Sign off and complete").ClickAsync();

        await Expect(panel.GetByRole(AriaRole.Alert)).ToContainTextAsync(
            "Bea Both recorded every result of stage 1 (Cell sorting) and cannot also sign it off: another QC inspector or supervisor signs it off.");
        Assert.Null((await recorder.GetStageAsync("BP-SECOND", 1))!.CompletedUtc);

        await panel.GetByLabel("Inspector login").FillAsync(TestPeople.Inspector.Login);
        await panel.GetByLabel("PIN or password").FillAsync(TestPeople.Inspector.Pin!);
        await Button(page, "Sign off and complete").ClickAsync();
        // The next stage opens by itself after a sign-off: go back to the stage just completed.
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stage 1 (Cell sorting) completed. Stage 2 (Module assembly) is open now.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stage 1: Cell sorting" }).ClickAsync();
        await Expect(page.GetByLabel("Stage status")).ToHaveTextAsync("Completed (QC OK)");
        await Expect(ReadOnlyField(page, "QC inspector")).ToHaveTextAsync("Ivan Inspector (ivan)");
        Assert.Equal("ivan", (await recorder.GetStageAsync("BP-SECOND", 1))!.SignedOffBy);
        await page.Context.CloseAsync();
    }
}
