using Microsoft.Playwright;

namespace BatteryMes.Benchmarks.Load;

/// <summary>The people scripts/load.sh makes in the copied database before the app starts: loadrig (every role; its
/// API key in BATTERYMES_LOAD_API_KEY records over the API), the QC inspector loadqc (signs stages off; its API key in
/// BATTERYMES_LOAD_SIGNER_KEY) and the operators loadop1..loadopN, one per browser session. loadqc and the operators
/// share the PIN in BATTERYMES_LOAD_PIN. Recording and signing off are done by different people, so the load run
/// passes the app's second-person sign-off rule as the plant does.</summary>
public static class LoadPeople
{
    public const string Inspector = "loadqc";

    public static string Operator(int index) => $"loadop{index}";

    public static string? ApiKey => Environment.GetEnvironmentVariable("BATTERYMES_LOAD_API_KEY");

    public static string SignerKey => Required("BATTERYMES_LOAD_SIGNER_KEY", "an API key of the QC inspector loadqc");

    public static string Pin => Required("BATTERYMES_LOAD_PIN", "the PIN of the load run's operators and inspector");

    private static string Required(string variable, string what) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {variable} to {what} (scripts/load.sh makes the load run's people).");

    /// <summary>Signs the browser context in on /signin as a person does (login, PIN, "Sign in") and waits until the
    /// page at <paramref name="path"/> is live.</summary>
    public static async Task SignInAsync(IPage page, string baseUrl, string login, string path)
    {
        await page.GotoAsync($"{baseUrl.TrimEnd('/')}/signin?returnUrl={Uri.EscapeDataString(path)}");
        await WaitForCircuitAsync(page);
        await page.GetByLabel("Login or badge", new() { Exact = true }).FillAsync(login);
        await page.GetByLabel("PIN or password", new() { Exact = true }).FillAsync(Pin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path);
        await WaitForCircuitAsync(page);
    }

    /// <summary>Opens <paramref name="path"/>, signing in first when the app sends the browser to /signin.</summary>
    public static async Task OpenAsync(IPage page, string baseUrl, string login, string path)
    {
        await page.GotoAsync(baseUrl.TrimEnd('/') + path);
        if (IsSignIn(page)) await SignInAsync(page, baseUrl, login, path);
        else await WaitForCircuitAsync(page);
    }

    public static bool IsSignIn(IPage page) => new Uri(page.Url).AbsolutePath.Equals("/signin", StringComparison.OrdinalIgnoreCase);

    public static Task WaitForCircuitAsync(IPage page) =>
        page.WaitForSelectorAsync("#circuit-state[data-state='interactive']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
}
