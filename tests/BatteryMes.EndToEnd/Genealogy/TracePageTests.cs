using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Genealogy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static BatteryMes.EndToEnd.Infrastructure.StagePage;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Genealogy;

/// <summary>A recall: from a cell lot to the packs that hold its cells, on hold, shown on the dashboard and the entry page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TracePageTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly Actor Setup = new("setup", "127.0.0.1");
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_supervisor_traces_a_lot_to_its_packs_puts_them_on_hold_and_releases_one()
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        var linker = _app.Services.GetRequiredService<ComponentLinker>();
        var rig = TestPeople.Rig.Actor() with { Roles = TestPeople.Rig.Roles };
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync())
        {
            var now = DateTime.UtcNow;
            foreach (var serial in new[] { "R-1", "R-2", "R-3" })
                db.Components.Add(new Component { Kind = ComponentKind.Cell, Serial = serial, Lot = "LOT-RECALL", VoltageV = 3.59, ResistanceMilliOhm = 12, Source = "import: supplier.csv", CreatedUtc = now, UpdatedUtc = now });
            await db.SaveChangesAsync();
        }
        foreach (var (pack, cell) in new[] { ("BP-T-1", "R-1"), ("BP-T-2", "R-2"), ("BP-T-3", "OTHER-1") })
        {
            Assert.True((await recorder.CreatePackAsync(pack, null, null, Setup)).Succeeded);
            Assert.Equal(ScanOutcome.Linked, (await linker.ScanAsync(new ComponentScan(pack, 1, Module.X, cell), rig)).Outcome);
        }

        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.Supervisor, "/trace");
        await page.GetByLabel("Lot", new() { Exact = true }).FillAsync("lot-recall");
        await Button(page, "Trace").ClickAsync();

        var lot = page.GetByRole(AriaRole.Region, new() { Name = "Lot LOT-RECALL" });
        await Expect(lot).ToContainTextAsync("3 cells known in this lot; 2 packs hold cells of it.");
        var rows = page.Locator("tr[data-pack]");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("BP-T-1");
        await Expect(rows.Nth(1)).ToContainTextAsync("BP-T-2");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" })).ToHaveAttributeAsync("href", "/api/trace/lots/LOT-RECALL/packs.csv");

        await Button(page, "Put these packs on hold").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Give the reason for the hold.");
        await page.GetByLabel("Reason for the hold (required)").FillAsync("Supplier recall of lot LOT-RECALL");
        await Button(page, "Put these packs on hold").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("2 packs put on hold.");
        await Expect(rows.Nth(0)).ToContainTextAsync("On hold: Supplier recall of lot LOT-RECALL (Sven Supervisor");

        await rows.Nth(1).GetByRole(AriaRole.Button, new() { Name = "Release hold" }).ClickAsync();
        await Expect(rows.Nth(1)).Not.ToContainTextAsync("On hold");
        await Expect(rows.Nth(0)).ToContainTextAsync("On hold");

        await page.GotoAsync(_app.Url("/dashboard"));
        await page.WaitForBlazorAsync();
        var onHold = page.GetByRole(AriaRole.Region, new() { Name = "On hold" });
        await Expect(onHold).ToContainTextAsync("On hold: 1 pack");
        await Expect(onHold).ToContainTextAsync("BP-T-1");
        await Expect(onHold).Not.ToContainTextAsync("BP-T-2");

        await page.GotoAsync(_app.Url("/entry/BP-T-1"));
        await page.WaitForBlazorAsync();
        await Expect(page.GetByRole(AriaRole.Alert, new() { Name = "Pack on hold" })).ToContainTextAsync("Supplier recall of lot LOT-RECALL");
        await page.Context.CloseAsync();
    }
}
