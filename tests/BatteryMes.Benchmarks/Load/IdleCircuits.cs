using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace BatteryMes.Benchmarks.Load;

/// <summary>Memory per idle circuit: opens M idle tabs (each its own Blazor circuit) at one page, lets them settle, and
/// reads the app's own figures from /health?collect=true (open circuits, managed heap alive after a full collection,
/// which the app does only for callers on loopback, and working set); the slope over M is the cost of one idle circuit.
/// It is fitted over the readings with tabs open (M > 0), so one-off first-use costs stay out of it.</summary>
public static class IdleCircuits
{
    public sealed record Reading(string Page, int Tabs, int Circuits, double WorkingSetMb, double HeapMb);

    public sealed record Result(string Page, IReadOnlyList<Reading> Readings, double WorkingSetKbPerCircuit, double HeapKbPerCircuit);

    public static async Task<IReadOnlyList<Result>> RunAsync(string baseUrl, IReadOnlyList<int> tabCounts, IReadOnlyList<string> pages, TimeSpan settle)
    {
        var (playwright, browser) = await BrowserSessions.LaunchAsync();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var results = new List<Result>();
        try
        {
            foreach (var path in pages)
            {
                var readings = new List<Reading>();
                var open = new List<IPage>();
                // Ten tabs per context: tabs are cheaper than contexts for the browser, and each tab is still its own circuit.
                // Pages that need sign-in are opened as the load run's QC inspector (any signed-in person may read them).
                var contexts = new List<IBrowserContext>();

                // One visit first, so that first-use costs (compiled code, caches) are in the baseline, not in the slope.
                var warmUp = await browser.NewContextAsync();
                await OpenAsync(warmUp, baseUrl, path);
                await CloseAsync([warmUp], warmUp.Pages);
                await WaitForCircuitsAsync(http, 0, TimeSpan.FromSeconds(60));

                foreach (var target in tabCounts.Order())
                {
                    while (open.Count < target)
                    {
                        // One context per ten tabs. Its first tab signs it in where the page needs sign-in (the others
                        // share its cookie); then up to five tabs at a time.
                        if (open.Count % 10 == 0 || contexts.Count == 0)
                        {
                            contexts.Add(await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } }));
                            open.Add(await OpenAsync(contexts[^1], baseUrl, path));
                            continue;
                        }
                        var batch = Math.Min(Math.Min(5, target - open.Count), 10 - open.Count % 10);
                        var context = contexts[^1];
                        open.AddRange(await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => OpenAsync(context, baseUrl, path))));
                    }
                    await Task.Delay(settle);
                    var reading = await ReadAsync(http, path, target);
                    readings.Add(reading);
                    Console.WriteLine(Describe(reading));
                }
                await CloseAsync(contexts, open);
                await WaitForCircuitsAsync(http, readings.Count > 0 ? readings[0].Circuits : 0, TimeSpan.FromSeconds(60));
                // The slope leaves out the empty baseline when two or more counts of open tabs were read: whatever the
                // first tabs load once (caches, the page's code paths) is not a cost of each further circuit.
                var fitted = readings.Count(r => r.Tabs > 0) >= 2 ? readings.Where(r => r.Tabs > 0).ToList() : readings;
                results.Add(new Result(path, readings,
                    Stats.Slope(fitted.Select(r => ((double)r.Circuits, r.WorkingSetMb * 1024)).ToList()),
                    Stats.Slope(fitted.Select(r => ((double)r.Circuits, r.HeapMb * 1024)).ToList())));
            }
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
        return results;
    }

    private static async Task<IPage> OpenAsync(IBrowserContext context, string baseUrl, string path)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await LoadPeople.OpenAsync(page, baseUrl, LoadPeople.Inspector, path);
        return page;
    }

    /// <summary>Navigating away fires the page's unload, which tells the app to close the circuit at once (a tab closed
    /// without it would keep its circuit for the disconnected-circuit retention period).</summary>
    private static async Task CloseAsync(IEnumerable<IBrowserContext> contexts, IEnumerable<IPage> pages)
    {
        foreach (var page in pages.ToList()) await page.GotoAsync("about:blank");
        foreach (var context in contexts) await context.CloseAsync();
    }

    public static string Describe(Reading r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Page}: {r.Tabs} idle tabs, {r.Circuits} circuits, working set {r.WorkingSetMb:N0} MB, managed heap {r.HeapMb:N1} MB");

    public static string Table(IEnumerable<Result> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| page | idle tabs | circuits (app) | working set | managed heap |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var result in results)
            foreach (var r in result.Readings)
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Page} | {r.Tabs} | {r.Circuits} | {r.WorkingSetMb:N0} MB | {r.HeapMb:N1} MB |"));
        sb.AppendLine();
        foreach (var result in results)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Memory per idle circuit at {result.Page}: about {result.HeapKbPerCircuit:N0} KB managed heap, {result.WorkingSetKbPerCircuit:N0} KB working set (least-squares slope over the readings with tabs open).  "));
        return sb.ToString();
    }

    /// <summary>The smallest of three readings a second apart, each after a full collection in the app.</summary>
    private static async Task<Reading> ReadAsync(HttpClient http, string path, int tabs)
    {
        Reading? best = null;
        for (var i = 0; i < 3; i++)
        {
            using var health = await http.GetAsync("/health?collect=true");
            using var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            var process = json.RootElement.GetProperty("process");
            var reading = new Reading(path, tabs, process.GetProperty("circuits").GetInt32(),
                process.GetProperty("workingSetBytes").GetInt64() / 1048576.0, process.GetProperty("managedHeapInUseBytes").GetInt64() / 1048576.0);
            if (best is null || reading.HeapMb < best.HeapMb) best = reading;
            await Task.Delay(1000);
        }
        return best!;
    }

    private static async Task WaitForCircuitsAsync(HttpClient http, int atMost, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var health = await http.GetFromJsonAsync<JsonElement>("/health");
            if (health.GetProperty("process").GetProperty("circuits").GetInt32() <= atMost) return;
            await Task.Delay(500);
        }
        Console.WriteLine($"Circuits did not drop back to {atMost} within {within.TotalSeconds:N0} s; the next page's readings start higher.");
    }
}
