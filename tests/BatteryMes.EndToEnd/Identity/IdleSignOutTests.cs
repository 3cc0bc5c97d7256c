using System.Diagnostics;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Identity;

/// <summary>A shared station left alone signs itself out; one in use does not. The idle time is set to 6 seconds here.</summary>
[Collection(BrowserCollection.Name)]
public sealed class IdleSignOutTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(6);
    private AppServer _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AppServer.StartAsync(settings: new Dictionary<string, string?> { ["BatteryMes:Security:IdleSignOut"] = Idle.ToString() });
        // The first page a server renders compiles a lot. Done here, so that in the tests the page is live well within
        // the 6 seconds the sign-in cookie lasts without use.
        var warmUp = await browser.NewPageAsync();
        await _app.SignInAsync(warmUp, TestPeople.Rig, "/entry");
        await warmUp.Context.CloseAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_station_left_without_input_signs_out_after_the_idle_time_and_says_why()
    {
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Operator, "/entry");
        var clock = Stopwatch.StartNew();

        await Expect(page).ToHaveURLAsync(_app.Url("/signin?problem=idle"), new() { Timeout = 20_000 });
        Assert.True(clock.Elapsed >= Idle - TimeSpan.FromSeconds(1), $"Signed out after {clock.Elapsed.TotalSeconds:0.0} s, before the idle time.");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("This station was signed out after a time without use.");

        // Really signed out, not only sent to another page: Data Entry asks for sign-in again.
        await page.GotoAsync(_app.Url("/entry"));
        await Expect(page).ToHaveURLAsync(_app.Url("/signin?returnUrl=%2Fentry"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_station_in_use_with_a_key_or_a_click_every_two_seconds_stays_signed_in()
    {
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Operator, "/entry");

        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            if (i % 2 == 0) await page.Keyboard.PressAsync("Shift");
            else await page.GetByRole(AriaRole.Heading, new() { Name = "Data Entry", Exact = true }).ClickAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Equal(_app.Url("/entry"), page.Url);
        await Expect(page.GetByLabel("Signed in as")).ToContainTextAsync("Olga Operator");
        // The sign-in cookie was renewed while she worked: a fresh load of the page is still hers.
        await page.ReloadAsync();
        Assert.Equal(_app.Url("/entry"), page.Url);
        await page.WaitForBlazorAsync();
        await Expect(page.GetByLabel("Signed in as")).ToContainTextAsync("Olga Operator");
        await page.Context.CloseAsync();
    }
}
