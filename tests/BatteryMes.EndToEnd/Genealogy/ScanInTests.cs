using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Genealogy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static BatteryMes.EndToEnd.Infrastructure.StagePage;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Genealogy;

/// <summary>Cell sorting with a USB wedge scanner: codes typed fast, each ended by Enter, code after code.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ScanInTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Actor Setup = new("setup", "127.0.0.1");
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    [Fact]
    public async Task Two_hundred_cells_scanned_at_ten_a_second_all_appear_in_order_and_are_stored()
    {
        Assert.True((await Get<PackRecorder>().CreatePackAsync("BP-SCAN-1", null, null, Setup)).Succeeded);
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Operator, "/entry/BP-SCAN-1");
        var panel = page.GetByRole(AriaRole.Region, new() { Name = "Cells", Exact = true });
        await panel.GetByRole(AriaRole.Button, new() { Name = "Module Y", Exact = true }).ClickAsync();
        var field = page.GetByLabel("Cell ID (Module Y)");
        await Expect(field).ToBeFocusedAsync();

        var serials = Enumerable.Range(1, 200).Select(i => $"CELL-{i:D5}").ToList();
        var started = DateTime.UtcNow;
        for (var i = 0; i < serials.Count; i++)
        {
            // A wedge scanner: a code every 100 ms (10 a second), each one fast keystrokes and Enter. On a loaded
            // machine the browser's keystrokes themselves take longer; the pace is then as fast as it can type.
            var due = started + TimeSpan.FromMilliseconds(100 * i);
            if (due > DateTime.UtcNow) await Task.Delay(due - DateTime.UtcNow);
            await page.Keyboard.TypeAsync(serials[i].ToLowerInvariant(), new() { Delay = 1 });
            await page.Keyboard.PressAsync("Enter");
        }
        output.WriteLine($"200 codes typed in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");

        var rows = page.Locator("table[data-side='Y'] tbody tr[data-serial]");
        await Expect(rows).ToHaveCountAsync(200, new() { Timeout = 30_000 });
        var shown = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.cells[0].textContent.trim() + ' ' + r.cells[1].textContent.trim())");
        Assert.Equal(serials.Select((s, i) => $"{i + 1} {s}"), shown);
        await Expect(field).ToBeFocusedAsync();
        await Expect(field).ToHaveValueAsync("");

        var stored = await Get<TraceQueries>().PackAsync("BP-SCAN-1");
        Assert.Equal(serials, stored!.Cells.Where(c => c.Side == Module.Y).OrderBy(c => c.Position).Select(c => c.Serial));
        Assert.Equal(Enumerable.Range(1, 200), stored.Cells.Select(c => c.Position!.Value).Order());

        // A second scan of a cell already in the module says so, and nothing is added.
        await page.Keyboard.TypeAsync("CELL-00007", new() { Delay = 4 });
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("scan-message")).ToContainTextAsync("Cell CELL-00007 is already in Module Y, position 7.");
        await Expect(rows).ToHaveCountAsync(200);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_cell_of_another_pack_is_refused_naming_the_pack_and_a_supervisor_replaces_one_with_a_reason()
    {
        var recorder = Get<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync("BP-SCAN-2", null, null, Setup)).Succeeded);
        Assert.True((await recorder.CreatePackAsync("BP-SCAN-3", null, null, Setup)).Succeeded);
        var rig = TestPeople.Rig.Actor() with { Roles = TestPeople.Rig.Roles };
        Assert.Equal(ScanOutcome.Linked, (await Get<ComponentLinker>().ScanAsync(new ComponentScan("BP-SCAN-3", 1, Module.X, "C-HELD"), rig)).Outcome);
        var page = await browser.NewPageAsync(width: 768, height: 1024);
        await _app.SignInAsync(page, TestPeople.Supervisor, "/entry/BP-SCAN-2");
        var field = page.GetByLabel("Cell ID (Module X)");
        await field.FocusAsync();

        await page.Keyboard.TypeAsync("C-HELD\nC-1\n", new() { Delay = 5 });
        await Expect(page.Locator("table[data-side='X'] tbody tr[data-serial]")).ToHaveCountAsync(1);
        await page.Keyboard.TypeAsync("c-held\n", new() { Delay = 5 });
        await Expect(page.GetByTestId("scan-message")).ToContainTextAsync("Cell C-HELD is already in pack BP-SCAN-3, Module X, position 1.");

        await page.Locator("tr[data-serial='C-1']").GetByRole(AriaRole.Button, new() { Name = "Replace" }).ClickAsync();
        await page.GetByLabel("New cell ID").FillAsync("C-2");
        await Button(page, "Replace cell").ClickAsync();
        await Expect(page.GetByTestId("scan-message")).ToContainTextAsync("Give the reason for the rework.");
        await page.GetByLabel("Reason (required)").FillAsync("Dented at loading");
        await Button(page, "Replace cell").ClickAsync();

        await Expect(page.Locator("tr[data-serial='C-2']")).ToContainTextAsync("1");
        var removed = page.Locator("[aria-label='Removed in rework']");
        await Expect(removed).ToContainTextAsync("C-1");
        await Expect(removed).ToContainTextAsync("Dented at loading");
        await Expect(removed).ToContainTextAsync("C-2");
        await page.Context.CloseAsync();
    }
}
