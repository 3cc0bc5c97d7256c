using System.Text.Json;
using System.Text.RegularExpressions;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Faults;

/// <summary>What a shop floor (or someone poking at it) types and pastes into the forms.</summary>
internal static class Hostile
{
    public static readonly string Megabyte = new('A', 1024 * 1024);
    public const string ControlCharacters = "\u0000\u0007\u001b[31mred";
    public const string RightToLeftOverride = "Line 7 \u202Eevil\u202C";
    public const string Unicode = "Kömürcü 東京 \U0001F50B";
    public const string Sql = "'; DROP TABLE Packs;--";
    // Each script payload would set window.__pwned and open a dialog if the page ever ran it.
    public const string Script = "<script>window.__pwned=1;alert(1)</script>";
    public const string ImageOnError = "<img src=x onerror=\"window.__pwned=1;alert(1)\">";
    public const string Hyperlink = "=HYPERLINK(\"http://evil.example\",\"click\")";
    public const string Plus = "+1";
    public const string AtSum = "@SUM(1+1)";
}

/// <summary>One app (real Kestrel, SQLite) for the whole bad-input sweep, with data stored before the sweep that no
/// hostile input may change: a pack whose stage 1 is recorded in full and completed.</summary>
public sealed class SweepApp : IAsyncLifetime
{
    /// <summary>The signed-in admin's own password signs a restore.</summary>
    public static readonly string RestorePassword = TestPeople.Rig.Password!;
    public const string KeptPackId = "BP-KEEP-0001";
    private static readonly Actor Setup = new("setup", "127.0.0.1");

    public AppServer App { get; private set; } = null!;
    public string KeptBefore { get; private set; } = "";
    public PackRecorder Recorder => App.Services.GetRequiredService<PackRecorder>();

    public async Task InitializeAsync()
    {
        App = await AppServer.StartAsync(settings: new Dictionary<string, string?>
        {
            // The sweep types many wrong passwords: no lockout may end the other tests' sign-in.
            ["BatteryMes:Security:LockoutAttempts"] = "100",
        });
        Assert.True((await Recorder.CreatePackAsync(KeptPackId, "MX-KEEP", "MY-KEEP", Setup)).Succeeded);
        await CompleteStageOneAsync(KeptPackId);
        KeptBefore = await KeptPackAsync();
    }

    /// <summary>Records stage 1 in full (Module X OK, 3.59 V on check 1.1.1, Module Y N/A) as the operator, and the
    /// inspector completes it.</summary>
    public async Task CompleteStageOneAsync(string packId)
    {
        var route = App.Services.GetRequiredService<ProcessRoute>();
        var results = route.GetStage(1).Checks.Select(c => new CheckInput(c.Code, QcResult.Ok, QcResult.NotApplicable,
            c.Code == "1.1.1" ? 3.59 : TestChecks.InLimits(c), null)).ToList();
        Assert.True((await Recorder.SaveStageAsync(new StageSave(packId, 1, results, "Baseline remark"), TestPeople.Operator.Actor())).Succeeded);
        Assert.True((await Recorder.CompleteStageAsync(packId, 1, TestPeople.Inspector.Actor())).Succeeded);
    }

    /// <summary>The kept pack as stored: serials, status, stage 1's people, remark, results and measured values.</summary>
    public async Task<string> KeptPackAsync()
    {
        var pack = await Recorder.GetPackAsync(KeptPackId);
        var stage = await Recorder.GetStageAsync(KeptPackId, 1);
        return JsonSerializer.Serialize(new { pack, stage });
    }

    public async Task CreatePackAsync(string packId) => Assert.True((await Recorder.CreatePackAsync(packId, null, null, Setup)).Succeeded);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>A browser page under watch: any dialog (alert, confirm) fails the test, and so does a script payload that
/// ran, an error page, a lost circuit or a server that stopped answering.</summary>
internal sealed partial class WatchedPage : IAsyncDisposable
{
    private readonly List<string> _dialogs = [];
    private readonly List<string> _consoleErrors = [];
    private readonly SweepApp _sweep;

    private WatchedPage(IPage page, SweepApp sweep)
    {
        Page = page;
        _sweep = sweep;
        page.Dialog += (_, dialog) =>
        {
            lock (_dialogs) _dialogs.Add($"{dialog.Type}: {dialog.Message}");
            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_consoleErrors) _consoleErrors.Add(message.Text);
        };
    }

    public IPage Page { get; }

    /// <summary>Opens <paramref name="path"/> signed in as <paramref name="person"/> (the test rig, who may do everything, by default).</summary>
    public static async Task<WatchedPage> OpenAsync(BrowserFixture browser, SweepApp sweep, string path, int width = 1280, TestPerson? person = null)
    {
        var watched = new WatchedPage(await browser.NewPageAsync(width: width), sweep);
        await sweep.App.SignInAsync(watched.Page, person ?? TestPeople.Rig, path);
        return watched;
    }

    [GeneratedRegex("circuit|disconnect|connection", RegexOptions.IgnoreCase)]
    private static partial Regex CircuitTrouble();

    /// <summary>No script ran, no dialog opened, no error page, the circuit never dropped, the server answers and the
    /// pack stored before the sweep is exactly as it was.</summary>
    public async Task AssertNothingBrokeAsync()
    {
        lock (_dialogs) Assert.True(_dialogs.Count == 0, "A dialog opened: " + string.Join(" | ", _dialogs));
        Assert.Equal("undefined", await Page.EvaluateAsync<string>("() => typeof window.__pwned"));
        await Expect(Page.GetByText("Something went wrong on this page")).ToHaveCountAsync(0);
        lock (_consoleErrors)
        {
            var trouble = _consoleErrors.Where(e => CircuitTrouble().IsMatch(e)).ToList();
            Assert.True(trouble.Count == 0, "The browser reported connection trouble: " + string.Join(" | ", trouble.Select(t => t.Length > 300 ? t[..300] : t)));
        }
        using var http = _sweep.App.CreateHttpClient();
        Assert.True((await http.GetAsync("/health")).IsSuccessStatusCode, "/health no longer answers 200");
        Assert.Equal(_sweep.KeptBefore, await _sweep.KeptPackAsync());
    }

    /// <summary>Closes the page's context, also when the test failed half way (a page left open keeps the shared browser busy).</summary>
    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();

    public ILocator Button(string name) => Page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });
    public ILocator Heading(string name) => Page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true });
}
