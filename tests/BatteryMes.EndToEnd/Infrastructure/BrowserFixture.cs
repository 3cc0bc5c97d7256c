using Microsoft.Playwright;

namespace BatteryMes.EndToEnd.Infrastructure;

/// <summary>One headless Chromium (Debian's, installed by scripts/test.sh) for the whole end-to-end run.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Extra Chromium flags for a browser of one's own (e.g. a fake camera); see <see cref="LaunchAsync"/>.</summary>
    public static readonly string[] BaseArgs =
    [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public async Task InitializeAsync()
    {
        Browser = await LaunchAsync();
    }

    /// <summary>Launches another Chromium with extra flags (for instance a fake camera fed from a file).</summary>
    public async Task<IBrowser> LaunchAsync(params string[] extraArgs)
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}. Run the tests with scripts/test.sh, which installs it (apt-get install chromium).");
        _playwright ??= await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = [.. BaseArgs, .. extraArgs],
        });
    }

    /// <summary>A fresh browser context (own cookies and storage) with a page at the given viewport width.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, IBrowser? browser = null)
    {
        var context = await (browser ?? Browser).NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

public static class PageExtensions
{
    /// <summary>Opens a page and waits until the Blazor circuit is live (the layout's marker says so), so clicks work.</summary>
    public static async Task GotoInteractiveAsync(this IPage page, string url)
    {
        await page.GotoAsync(url);
        await page.WaitForBlazorAsync();
    }

    public static Task WaitForBlazorAsync(this IPage page) =>
        page.WaitForSelectorAsync("#circuit-state[data-state='interactive']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
}

public static class StageOneMeasurements
{
    /// <summary>Types in-limit values into the checks of stage 1 that require a measured value (cell voltage 1.1.1 and
    /// internal resistance 1.1.2): the page judges them OK, and "All OK" leaves those checks to the operator.</summary>
    public static async Task MeasureStageOneAsync(this IPage page, string module)
    {
        foreach (var (code, value) in new[] { ("1.1.1", "3.59"), ("1.1.2", "12") })
            await page.GetByRole(AriaRole.Region, new() { Name = $"Check {code}", Exact = true }).GetByLabel($"Measured {module}").FillAsync(value);
    }
}
