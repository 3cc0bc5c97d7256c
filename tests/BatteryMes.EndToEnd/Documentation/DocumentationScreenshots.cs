using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Documentation;

/// <summary>The pictures of README.md and docs/user-guide.md, taken from the running app: a fresh database with the
/// test people and a few packs at different points of the route, each page opened as the person who uses it.
/// scripts/screenshots.sh runs this with BATTERYMES_SCREENSHOTS_DIR=docs/images, so the pictures can be made again
/// after a change to the pages; in a normal test run they go to a temporary folder and the test checks that every
/// page shows what the guide says it shows.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DocumentationScreenshots(BrowserFixture browser) : IAsyncLifetime
{
    public const string OutputVariable = "BATTERYMES_SCREENSHOTS_DIR";

    /// <summary>An operator who is also a QC inspector: a deviation is recorded in a save, which needs both roles.</summary>
    private static readonly TestPerson Priya = new("priya", "Priya Nair", [Role.Operator, Role.QcInspector], "3333", null);

    // Generous: a build machine shared with other jobs can be slow.
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 60_000 };
    private const string ToTopBelowAppBar = "el => { el.scrollIntoView({ block: 'start' }); window.scrollBy(0, -90); }";
    private AppServer _app = null!;
    private string _output = null!;
    private bool _temporaryOutput;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(OutputVariable);
        _temporaryOutput = string.IsNullOrWhiteSpace(configured);
        _output = _temporaryOutput ? Directory.CreateTempSubdirectory("battery-mes-screenshots-").FullName : Path.GetFullPath(configured!);
        Directory.CreateDirectory(_output);
        _app = await AppServer.StartAsync();
        await SeedPacksAsync();
        // The first render of a page compiles a lot; done here, it does not eat into the browser's timeouts.
        using var http = _app.CreateHttpClient();
        (await http.GetAsync("/dashboard")).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        if (_temporaryOutput) Directory.Delete(_output, recursive: true);
    }

    [Fact]
    public async Task Every_page_the_user_guide_shows_renders_and_is_saved_as_a_picture()
    {
        // Sign in: what an operator sees at a shared station.
        var signIn = await browser.NewPageAsync(1024, 640);
        await signIn.GotoInteractiveAsync(_app.Url("/signin"));
        await Expect(signIn.GetByLabel("Login or badge")).ToBeVisibleAsync(Visible);
        await SaveAsync(signIn, "sign-in.png");

        // Data entry: the operator on a pack whose second stage is under way.
        var entry = await browser.NewPageAsync(1280, 900);
        await _app.SignInAsync(entry, TestPeople.Operator, "/entry/BP-2026-0004");
        await Expect(entry.GetByText("Module assembly").First).ToBeVisibleAsync(Visible);
        await Expect(entry.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true })).ToBeVisibleAsync(Visible);
        await SaveAsync(entry, "data-entry.png");

        // A deviation: OK recorded against a value outside the limits, with the inspector's reason.
        var deviation = await browser.NewPageAsync(1280, 900);
        await _app.SignInAsync(deviation, Priya, "/entry/BP-2026-0005");
        await Expect(deviation.GetByLabel("Deviation reason, Module X")).ToBeVisibleAsync(Visible);
        await deviation.GetByText("Cell height from base plate after removing the fixture").EvaluateAsync(ToTopBelowAppBar);
        await SaveAsync(deviation, "deviation.png");

        // Sign-off: the electronic signature panel of Complete Process.
        var signOff = await browser.NewPageAsync(1280, 900);
        await _app.SignInAsync(signOff, TestPeople.Inspector, "/entry/BP-2026-0006");
        var complete = signOff.GetByRole(AriaRole.Button, new() { Name = "Complete Process" });
        await Expect(complete).ToBeVisibleAsync(Visible);
        await complete.ClickAsync();
        var panel = signOff.GetByRole(AriaRole.Region, new() { Name = "Electronic signature" });
        await Expect(panel).ToBeVisibleAsync(Visible);
        await panel.EvaluateAsync("el => el.scrollIntoView({ block: 'center' })");
        await SaveAsync(signOff, "sign-off.png");

        // Dashboard: a wall screen, no sign-in.
        var dashboard = await browser.NewPageAsync(1440, 900);
        await dashboard.GotoInteractiveAsync(_app.Url("/dashboard"));
        await Expect(dashboard.Locator("[data-figure='Ready for dispatch']")).ToHaveTextAsync("3", new() { Timeout = 30_000 });
        await Expect(dashboard.Locator(".js-plotly-plot").First).ToBeVisibleAsync(Visible);
        await dashboard.WaitForTimeoutAsync(1000); // the charts' entry animation
        await SaveAsync(dashboard, "dashboard.png");

        // Reports: a supervisor's search and downloads.
        var reports = await browser.NewPageAsync(1280, 900);
        await _app.SignInAsync(reports, TestPeople.Supervisor, "/reports");
        await Expect(reports.GetByText("BP-2026-0001").First).ToBeVisibleAsync(Visible);
        await SaveAsync(reports, "reports.png");

        // People and API keys: the admin's page.
        var people = await browser.NewPageAsync(1280, 900);
        await _app.SignInAsync(people, TestPeople.Admin, "/admin/users");
        await Expect(people.GetByText("Olga Operator").First).ToBeVisibleAsync(Visible);
        await SaveAsync(people, "people.png");

        foreach (var name in new[] { "sign-in.png", "data-entry.png", "deviation.png", "sign-off.png", "dashboard.png", "reports.png", "people.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(_output, name));
            Assert.True(bytes.Length > 10_000, $"{name} is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        }
    }

    private async Task SaveAsync(IPage page, string name)
    {
        // Let the last render and any transition settle, so the picture shows the page at rest.
        await page.WaitForTimeoutAsync(500);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_output, name), Type = ScreenshotType.Png });
    }

    /// <summary>Three packs ready for dispatch, one held by a NOT OK, one under way at stage 2, one with a deviation
    /// in stage 2, one whose stage 4 waits for sign-off, and one just registered; and a daily target.</summary>
    private async Task SeedPacksAsync()
    {
        var added = await _app.Services.GetRequiredService<PeopleDirectory>()
            .AddAsync(new NewPerson(Priya.Login, Priya.FullName, Priya.Roles, Priya.Pin, Priya.Password), null);
        Assert.True(added.Succeeded, added.Message);
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        var route = _app.Services.GetRequiredService<ProcessRoute>();
        var operatorActor = Person(TestPeople.Operator, "192.168.10.21");
        var inspectorActor = Person(TestPeople.Inspector, "192.168.10.31");

        async Task Create(string packId, int serial)
        {
            var created = await recorder.CreatePackAsync(packId, $"MX-{serial:0000}", $"MY-{serial:0000}", operatorActor);
            Assert.True(created.Succeeded, created.Message);
        }
        async Task Save(string packId, int stage, IReadOnlyList<CheckInput> inputs, string? remarks = null, Actor? actor = null)
        {
            var saved = await recorder.SaveStageAsync(new StageSave(packId, stage, inputs, Remarks: remarks), actor ?? operatorActor);
            Assert.True(saved.Succeeded, saved.Message);
        }
        async Task Complete(string packId, int stage)
        {
            var done = await recorder.CompleteStageAsync(packId, stage, inspectorActor);
            Assert.True(done.Succeeded, done.Message);
        }

        for (var n = 1; n <= 3; n++)
        {
            var id = $"BP-2026-{n:0000}";
            await Create(id, n);
            foreach (var stage in route.Stages)
            {
                await Save(id, stage.Number, AllOk(stage));
                await Complete(id, stage.Number);
            }
        }

        // Under way: stage 1 done, stage 2 partly recorded.
        await Create("BP-2026-0004", 4);
        await Save("BP-2026-0004", 1, AllOk(route.GetStage(1)));
        await Complete("BP-2026-0004", 1);
        await Save("BP-2026-0004", 2, AllOk(route.GetStage(2)).Take(6).ToList(), "Adhesive batch 24-117");

        // A deviation: cell height 72.80 mm is outside 72.45-72.75 mm, recorded OK by the inspector with a reason.
        await Create("BP-2026-0005", 5);
        await Save("BP-2026-0005", 1, AllOk(route.GetStage(1)));
        await Complete("BP-2026-0005", 1);
        await Save("BP-2026-0005", 2, AllOk(route.GetStage(2)).Select(c => c.CheckCode == "2.3.1"
            ? c with { MeasuredX = 72.80, DeviationX = "Shim measured under the cell; height within drawing tolerance" }
            : c).ToList(), actor: Person(Priya, "192.168.10.22"));

        // Ready for sign-off at stage 4 (Wire Bonding).
        await Create("BP-2026-0006", 6);
        foreach (var stage in new[] { 1, 2, 3 })
        {
            await Save("BP-2026-0006", stage, AllOk(route.GetStage(stage)));
            await Complete("BP-2026-0006", stage);
        }
        await Save("BP-2026-0006", 4, AllOk(route.GetStage(4)), "Bond pull test sample 3 of 40");

        // Held by a NOT OK at stage 3.
        await Create("BP-2026-0007", 7);
        foreach (var stage in new[] { 1, 2 })
        {
            await Save("BP-2026-0007", stage, AllOk(route.GetStage(stage)));
            await Complete("BP-2026-0007", stage);
        }
        var third = AllOk(route.GetStage(3)).ToList();
        var held = route.GetStage(3).Checks[0];
        third[0] = third[0] with { ModuleY = QcResult.NotOk, MeasuredY = held.Limits?.Max is { } max ? max + 1 : null };
        await Save("BP-2026-0007", 3, third, "Module Y rework requested");

        await Create("BP-2026-0008", 8);

        var plan = _app.Services.GetRequiredService<ProductionPlan>();
        await plan.SetTargetAsync(DateOnly.FromDateTime(DateTime.Now).AddDays(-7), 4, TestPeople.Supervisor.FullName);
    }

    private static Actor Person(TestPerson person, string client) => new(person.FullName, client, person.Login, person.Roles);

    /// <summary>OK for both modules on every check of the stage, with a value in the middle of the limits where the
    /// check is measured.</summary>
    private static List<CheckInput> AllOk(RouteStage stage) =>
        stage.Checks.Select(c => c.Limits is { } limits
            ? new CheckInput(c.Code, QcResult.Ok, QcResult.Ok, Middle(limits), Middle(limits))
            : new CheckInput(c.Code, QcResult.Ok, QcResult.Ok)).ToList();

    private static double Middle(MeasurementLimits limits) => (limits.Min, limits.Max) switch
    {
        ({ } min, { } max) => Math.Round((min + max) / 2, 3),
        ({ } min, null) => min + 1,
        (null, { } max) => max / 2,
        _ => 0,
    };
}
