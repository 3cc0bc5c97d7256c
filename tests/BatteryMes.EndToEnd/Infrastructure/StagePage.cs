using Microsoft.Playwright;

namespace BatteryMes.EndToEnd.Infrastructure;

/// <summary>What the Data Entry page shows a person, found the way a person (or a screen reader) finds it: by label,
/// role and name.</summary>
public static class StagePage
{
    public static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public static ILocator Heading(IPage page, string name) => page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true });

    public static ILocator Check(IPage page, string code) => page.GetByRole(AriaRole.Region, new() { Name = $"Check {code}", Exact = true });

    public static ILocator ResultButton(IPage page, string code, string module, string result) =>
        Check(page, code).GetByRole(AriaRole.Group, new() { Name = $"Module {module} result" }).GetByRole(AriaRole.Button, new() { Name = result, Exact = true });

    /// <summary>The value shown in a read-only field (Technician, QC inspector), without its label.</summary>
    public static ILocator ReadOnlyField(IPage page, string label) => page.GetByLabel(label, new() { Exact = true }).Locator(".mud-input-slot");

    public static ILocator Signature(IPage page) => page.GetByRole(AriaRole.Region, new() { Name = "Electronic signature" });

    public static async Task ScanAsync(IPage page, string text)
    {
        var field = page.GetByLabel("Battery Pack ID");
        await field.FillAsync(text);
        await field.PressAsync("Enter");
    }

    /// <summary>Clicks "Complete Process" and signs in the signature panel; <paramref name="login"/> null keeps the login
    /// the panel offers (the person signed in, when they may sign off).</summary>
    public static async Task SignOffAsync(IPage page, string secret, string? login = null)
    {
        await Button(page, "Complete Process").ClickAsync();
        await SignAsync(page, "Inspector login", login, secret, "Sign off and complete");
    }

    /// <summary>Gives the reason, clicks "Reopen for correction" and signs in the signature panel.</summary>
    public static async Task ReopenAsync(IPage page, string reason, string secret, string? login = null)
    {
        await page.GetByLabel("Reason for reopening").FillAsync(reason);
        await Button(page, "Reopen for correction").ClickAsync();
        await SignAsync(page, "Supervisor login", login, secret, "Sign and reopen");
    }

    private static async Task SignAsync(IPage page, string loginLabel, string? login, string secret, string button)
    {
        var panel = Signature(page);
        if (login is not null) await panel.GetByLabel(loginLabel).FillAsync(login);
        await panel.GetByLabel("PIN or password").FillAsync(secret);
        await Button(page, button).ClickAsync();
    }
}
