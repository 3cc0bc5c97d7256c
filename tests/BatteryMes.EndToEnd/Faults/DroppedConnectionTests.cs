using System.Text.RegularExpressions;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Faults;

/// <summary>A tablet that loses its network in the middle of a stage (Wi-Fi gap on the shop floor): the circuit's
/// connection is cut (the browser goes offline, Blazor shows its reconnect dialog), the network comes back, and the
/// entries made before the cut are still there to save, whether the circuit resumed or the page had to reload and
/// offers them from the device.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DroppedConnectionTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Entries_made_before_the_connection_drops_are_kept_and_saved_once_it_is_back()
    {
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync("BP-E2E-DROP-1", null, null, new Actor("setup", "127.0.0.1"))).Succeeded);
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await _app.SignInAsync(page, TestPeople.SecondOperator, "/entry/BP-E2E-DROP-1");
        var okX = StagePage.ResultButton(page, "1.1.1", "X", "OK");

        await page.GetByLabel("Remarks").FillAsync("Cells from tray 7");
        await page.MeasureStageOneAsync("X");
        await page.GetByRole(AriaRole.Button, new() { Name = "All OK for Module X", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("() => (localStorage.getItem('batterymes.draft.BP-E2E-DROP-1.1') || '').includes('tray 7')");

        await page.Context.SetOfflineAsync(true);
        // Blazor's own reconnect dialog ("Rejoining the server...", in a shadow root) is the sign that the connection is really gone.
        var rejoining = page.GetByText(new Regex("Rejoin"));
        await Expect(rejoining.First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.Context.SetOfflineAsync(false);

        // Back online: either the circuit resumed (the form still holds the entries) or the page reloaded and offers them.
        await Expect(rejoining.First).Not.ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.WaitForBlazorAsync();
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Restore unsaved entries') || [...document.querySelectorAll('input')].some(i => i.value === 'Cells from tray 7')");
        var restore = page.GetByRole(AriaRole.Button, new() { Name = "Restore unsaved entries", Exact = true });
        if (await restore.CountAsync() > 0) await restore.ClickAsync();
        await Expect(page.GetByLabel("Remarks")).ToHaveValueAsync("Cells from tray 7");
        await Expect(okX).ToHaveAttributeAsync("aria-pressed", "true");

        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved");
        var stage = (await recorder.GetStageAsync("BP-E2E-DROP-1", 1))!;
        Assert.Equal(("Otto Operator", "Cells from tray 7"), (stage.Technician, stage.Remarks));
        Assert.All(stage.Entries, e => Assert.Equal(QcResult.Ok, e.ModuleX));
        Assert.NotEmpty(stage.Entries);
        await page.Context.CloseAsync();
    }
}
