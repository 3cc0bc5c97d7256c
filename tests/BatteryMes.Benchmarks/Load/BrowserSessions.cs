using System.Globalization;
using System.Text.RegularExpressions;
using BatteryMes.Web.Domain;
using Microsoft.Playwright;

namespace BatteryMes.Benchmarks.Load;

/// <summary>K operators in real Chromium tabs (one browser, one context each, so each is its own Blazor circuit and its
/// own device storage), working through the data entry page as a person does: sign in on /signin with their own login
/// and PIN (<see cref="LoadPeople"/>), scan a new pack ID, create the pack, then stage by stage type an in-limit
/// measured value where a check requires one, "All OK" for both modules, Save, Complete Process, and the QC inspector
/// signs off in the signature panel with their login and PIN (a second person, as the app asks by default); the next
/// stage then opens by itself. Save and the sign-off are timed in the page itself, from the click to the confirmation
/// appearing in the DOM (performance.now and a MutationObserver), so Playwright's own polling does not add to the
/// figure. They run for the whole load run; each step reads and resets the figures (<see cref="BeginStep"/> /
/// <see cref="EndStep"/>).</summary>
public sealed class BrowserSessions : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The flags of the end-to-end tests' browser (tests/BatteryMes.EndToEnd/Infrastructure/BrowserFixture.cs).</summary>
    public static readonly string[] ChromiumArgs =
    [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    // Clicks the button with exactly this text and resolves with the milliseconds until an element matching the selector
    // shows the expected text. Runs in the page, so the time is the operator's wait, not the test driver's.
    private const string ClickAndWaitScript = """
        ([buttonText, selector, expected, timeoutMs]) => new Promise((resolve, reject) => {
          const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === buttonText && !b.disabled);
          if (!button) { reject(new Error('No enabled button "' + buttonText + '"')); return; }
          const seen = () => [...document.querySelectorAll(selector)].some(e => e.textContent.includes(expected));
          const started = performance.now();
          const observer = new MutationObserver(() => {
            if (seen()) { observer.disconnect(); clearTimeout(timer); resolve(performance.now() - started); }
          });
          const timer = setTimeout(() => { observer.disconnect(); reject(new Error('No "' + expected + '" within ' + timeoutMs + ' ms after ' + buttonText)); }, timeoutMs);
          observer.observe(document.body, { childList: true, subtree: true, characterData: true });
          button.click();
        })
        """;

    private const string EnabledButtonScript =
        "text => [...document.querySelectorAll('button')].some(b => b.textContent.trim() === text && !b.disabled)";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly string _baseUrl;
    private readonly ProcessRoute _route;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly string _run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
    private Figures? _bucket;
    private int _warmSaves;

    private BrowserSessions(IPlaywright playwright, IBrowser browser, string baseUrl, ProcessRoute route)
    {
        _playwright = playwright;
        _browser = browser;
        _baseUrl = baseUrl.TrimEnd('/');
        _route = route;
    }

    public sealed record StepFigures(int Sessions, int Saves, int Completes, int Errors, double SaveP50, double SaveP95, double SaveP99,
        double CompleteP95, double BrowserCpuPercent, string? FirstError);

    /// <summary>Launches one Chromium for the load run (also used by the idle-circuit measurement).</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath} (apt-get install chromium); or run with --browsers 0.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs });
        return (playwright, browser);
    }

    /// <summary>Opens K sessions and waits (bounded) until each has saved once, so start-up is not in the first step.</summary>
    public static async Task<BrowserSessions> StartAsync(string baseUrl, int sessions, ProcessRoute route, TimeSpan warmUpLimit)
    {
        var (playwright, browser) = await LaunchAsync();
        var load = new BrowserSessions(playwright, browser, baseUrl, route);
        for (var i = 1; i <= sessions; i++)
        {
            var index = i;
            load._sessions.Add(Task.Run(() => load.OperatorAsync(index)));
        }
        var deadline = DateTime.UtcNow + warmUpLimit;
        while (Volatile.Read(ref load._warmSaves) < sessions && DateTime.UtcNow < deadline && !load._sessions.All(t => t.IsCompleted)) await Task.Delay(250);
        Console.WriteLine($"{sessions} browser sessions open; {Volatile.Read(ref load._warmSaves)} saved during warm-up.");
        return load;
    }

    public int Count => _sessions.Count;

    public void BeginStep() => Interlocked.Exchange(ref _bucket, new Figures(ProcFs.DescendantCpu(Environment.ProcessId)));

    public StepFigures EndStep(TimeSpan elapsed)
    {
        var figures = Interlocked.Exchange(ref _bucket, null) ?? new Figures([]);
        var cpu = ProcFs.CpuBetween(figures.CpuBefore, ProcFs.DescendantCpu(Environment.ProcessId)) / elapsed.TotalSeconds * 100;
        lock (figures)
        {
            figures.SaveMs.Sort();
            figures.CompleteMs.Sort();
            return new StepFigures(_sessions.Count, figures.SaveMs.Count, figures.CompleteMs.Count, figures.Errors,
                Stats.Percentile(figures.SaveMs, 0.50), Stats.Percentile(figures.SaveMs, 0.95), Stats.Percentile(figures.SaveMs, 0.99),
                Stats.Percentile(figures.CompleteMs, 0.95), cpu, figures.FirstError);
        }
    }

    private async Task OperatorAsync(int index)
    {
        var random = new Random(index);
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var place = new Place();
        try
        {
            await OpenEntryAsync(page, index);
            for (var n = 1; !_stop.IsCancellationRequested; n++)
            {
                try
                {
                    await WorkOnPackAsync(page, $"WEB-{_run}-{index}-{n}", random, place);
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested && ex is PlaywrightException or TimeoutException)
                {
                    Record(f => { f.Errors++; f.FirstError ??= $"browser {index}, {place.Doing}: {ex.Message.Split('\n')[0]}"; });
                    await OpenEntryAsync(page, index);
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested) { /* the browser closes under us at the end */ }
        finally
        {
            try { await context.CloseAsync(); } catch (PlaywrightException) { }
        }
    }

    /// <summary>The data entry page, signed in as this session's operator (again, if the sign-in was lost).</summary>
    private Task OpenEntryAsync(IPage page, int index) => LoadPeople.OpenAsync(page, _baseUrl, LoadPeople.Operator(index), "/entry");

    private async Task WorkOnPackAsync(IPage page, string packId, Random random, Place place)
    {
        place.Doing = $"creating pack {packId}";
        var scan = page.GetByLabel("Battery Pack ID");
        await scan.FillAsync(packId);
        await scan.PressAsync("Enter");
        await Button(page, "Create pack").ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = $"Pack {packId}", Exact = true }).WaitForAsync();
        for (var i = 0; i < _route.Stages.Count; i++)
        {
            var stage = _route.Stages[i];
            if (_stop.IsCancellationRequested) return;
            // After a sign-off the next stage opens by itself; its button still opens it when it has not.
            place.Doing = $"opening stage {stage.Number} of {packId}";
            var heading = page.GetByRole(AriaRole.Heading, new() { Name = $"Stage {stage.Number}: {stage.Name}", Exact = true });
            if (!await heading.IsVisibleAsync())
                await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex($"^Stage {stage.Number}:") }).ClickAsync();
            await heading.WaitForAsync();
            place.Doing = $"recording stage {stage.Number} of {packId}";
            // "All OK" leaves checks that require a measured value: the operator types one within the limits first.
            foreach (var check in stage.Checks.Where(c => c.RequiresValue && c.Limits is not null))
            {
                var card = page.GetByRole(AriaRole.Region, new() { Name = $"Check {check.Code}", Exact = true });
                var value = InLimits(check.Limits!);
                await card.GetByLabel("Measured X", new() { Exact = true }).FillAsync(value);
                await card.GetByLabel("Measured Y", new() { Exact = true }).FillAsync(value);
            }
            await Button(page, "All OK for Module X").ClickAsync();
            await Button(page, "All OK for Module Y").ClickAsync();
            await Button(page, "Complete Process").WaitForAsync();
            await Think(random);
            var save = await ClickAndWaitAsync(page, "Save", "[role=status]", "Saved.");
            Record(f => f.SaveMs.Add(save));
            Interlocked.Increment(ref _warmSaves);
            // "Saved." shows while the form still finishes the save (it stays busy until the pack is reloaded); a person
            // waits for the button to come back too, but that wait is not part of the save's figure.
            place.Doing = $"waiting for Complete Process after saving stage {stage.Number} of {packId}";
            await page.WaitForFunctionAsync(EnabledButtonScript, "Complete Process");
            place.Doing = $"signing off stage {stage.Number} of {packId}";
            await Think(random);
            await Button(page, "Complete Process").ClickAsync();
            var panel = page.GetByRole(AriaRole.Region, new() { Name = "Electronic signature" });
            await panel.GetByLabel("Inspector login", new() { Exact = true }).FillAsync(LoadPeople.Inspector);
            await panel.GetByLabel("PIN or password", new() { Exact = true }).FillAsync(LoadPeople.Pin);
            // Timed from "Sign off and complete" to the page's notice that the next stage is open (the signature check, the
            // completion and the reload of the pack). The form says "completed." before the page has switched stage:
            // typing into the old stage's form then would be lost, so the notice of the switch is the confirmation.
            var opened = i + 1 < _route.Stages.Count
                ? $"Stage {_route.Stages[i + 1].Number} ({_route.Stages[i + 1].Name}) is open now."
                : $"Pack {packId} is ready for dispatch.";
            var complete = await ClickAndWaitAsync(page, "Sign off and complete", "[role=status]", $"Stage {stage.Number} ({stage.Name}) completed. {opened}");
            Record(f => f.CompleteMs.Add(complete));
            await Think(random);
        }
    }

    /// <summary>The middle of the limits (or next to the one bound there is), as the page reads it.</summary>
    private static string InLimits(MeasurementLimits limits) => (limits switch
    {
        { Min: { } lo, Max: { } hi } => (lo + hi) / 2,
        { Min: { } lo } => lo + 1,
        { Max: { } hi } => hi - Math.Abs(hi) * 0.1,
        _ => 0,
    }).ToString("0.####", CultureInfo.InvariantCulture);

    private static async Task<double> ClickAndWaitAsync(IPage page, string button, string selector, string expected) =>
        await page.EvaluateAsync<double>(ClickAndWaitScript, new object[] { button, selector, expected, 30_000 });

    /// <summary>A person's pause between actions; keeps the sessions from being a tight loop (as the API users' pause does).</summary>
    private static Task Think(Random random) => Task.Delay(random.Next(200, 600));

    private static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    private void Record(Action<Figures> change)
    {
        var figures = Volatile.Read(ref _bucket);
        if (figures is null) return;
        lock (figures) change(figures);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAny(Task.WhenAll(_sessions), Task.Delay(TimeSpan.FromSeconds(30)));
        await _browser.CloseAsync();
        _playwright.Dispose();
    }

    /// <summary>What a session was doing, for the error it reports.</summary>
    private sealed class Place
    {
        public string Doing { get; set; } = "opening the data entry page";
    }

    private sealed class Figures(Dictionary<int, double> cpuBefore)
    {
        public Dictionary<int, double> CpuBefore { get; } = cpuBefore;
        public List<double> SaveMs { get; } = [];
        public List<double> CompleteMs { get; } = [];
        public int Errors;
        public string? FirstError;
    }
}
