using System.Text.RegularExpressions;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Identity;

/// <summary>The sign-in page as a shop floor uses it: a wedge scanner types the badge and presses Enter, the person
/// types the PIN and presses Enter. And who sees what without signing in.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static ILocator Login(IPage page) => page.GetByLabel("Login or badge");
    private static ILocator Secret(IPage page) => page.GetByLabel("PIN or password");
    private static ILocator SignedInAs(IPage page) => page.GetByLabel("Signed in as");
    private static ILocator SignOut(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true });

    /// <summary>What a wedge scanner does: types the badge's text key by key, then Enter.</summary>
    internal static async Task ScanBadgeAsync(ILocator field, string login)
    {
        await field.PressSequentiallyAsync(PeopleDirectory.BadgePayload(login));
        await field.PressAsync("Enter");
    }

    [Fact]
    public async Task A_scanned_badge_moves_on_to_the_pin_and_the_pin_with_enter_signs_in_to_the_page_asked_for()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await page.GotoInteractiveAsync(_app.Url("/signin?returnUrl=%2Fentry"));
        await Expect(Login(page)).ToBeFocusedAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("signin-1024.png"), FullPage = true });

        await ScanBadgeAsync(Login(page), TestPeople.Operator.Login);

        await Expect(Secret(page)).ToBeFocusedAsync();
        await Expect(Login(page)).ToHaveValueAsync("olga");
        await page.Keyboard.TypeAsync(TestPeople.Operator.Pin!);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(_app.Url("/entry"));
        await page.WaitForBlazorAsync();
        await Expect(SignedInAs(page)).ToContainTextAsync("Olga Operator");
        await Expect(SignOut(page)).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Data Entry", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_wrong_pin_an_unknown_badge_and_a_disabled_person_are_each_refused_with_a_message_that_says_why()
    {
        var people = _app.Services.GetRequiredService<PeopleDirectory>();
        Assert.True((await people.AddAsync(new NewPerson("dora", "Dora Departed", [Role.Operator], "3333", null), "tests")).Succeeded);
        Assert.True((await people.SetDisabledAsync("dora", true, "tests")).Succeeded);
        var page = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(_app.Url("/signin"));
        var alert = page.GetByRole(AriaRole.Alert);

        await ScanBadgeAsync(Login(page), TestPeople.Operator.Login);
        await Secret(page).PressSequentiallyAsync("0000");
        await Secret(page).PressAsync("Enter");
        await Expect(alert).ToContainTextAsync("Wrong PIN or password. 4 more wrong attempts lock the login");
        await Expect(Secret(page)).ToBeFocusedAsync();
        await Expect(Secret(page)).ToHaveValueAsync("");

        await Login(page).FillAsync("");
        await ScanBadgeAsync(Login(page), "nobody");
        await Secret(page).PressSequentiallyAsync("1234");
        await Secret(page).PressAsync("Enter");
        await Expect(alert).ToContainTextAsync("No one has the login nobody");

        await Login(page).FillAsync("");
        await ScanBadgeAsync(Login(page), "dora");
        await Secret(page).PressSequentiallyAsync("3333");
        await Secret(page).PressAsync("Enter");
        await Expect(alert).ToContainTextAsync("The login dora is disabled. Ask an admin.");

        Assert.StartsWith(_app.Url("/signin"), page.Url);
        await Expect(SignOut(page)).ToHaveCountAsync(0);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == IdentityFeature.CookieName);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_sign_in_data_entry_sends_to_the_sign_in_page_and_the_dashboard_shows_as_a_wall_screen()
    {
        var page = await browser.NewPageAsync();

        await page.GotoAsync(_app.Url("/entry/BP-ANON-1"));
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(_app.Url("/signin")) + @"\?returnUrl=%2Fentry%2FBP-ANON-1$"));
        await Expect(Login(page)).ToBeVisibleAsync();

        await page.GotoInteractiveAsync(_app.Url("/dashboard"));
        Assert.Equal(_app.Url("/dashboard"), page.Url);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_operator_who_opens_the_people_page_is_told_it_needs_the_admin_role()
    {
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Operator, "/entry");

        await page.GotoInteractiveAsync(_app.Url("/admin/users"));

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed", Exact = true })).ToBeVisibleAsync();
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("You are signed in as Olga Operator (olga).");
        await Expect(alert).ToContainTextAsync("This page needs the Admin role.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "People and API keys" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "People and API keys" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_operator_who_follows_a_link_to_the_people_page_inside_the_app_is_told_the_role_it_needs()
    {
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Operator, "/entry");

        // A navigation inside the live connection: the server's redirect to /denied does not take part.
        await page.EvaluateAsync("Blazor.navigateTo('/admin/users')");

        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "may not open this page" });
        await Expect(alert).ToContainTextAsync("You are signed in as Olga Operator (olga), who may not open this page.");
        await Expect(alert).ToContainTextAsync("It needs the Admin role.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in as someone else" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "People and API keys" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}

/// <summary>A server whose database has nobody in it: what the first person to open it sees.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FirstStartTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync(seedPeople: false);
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task With_nobody_in_the_database_the_sign_in_page_explains_the_first_admin_and_setup_on_the_server_creates_and_signs_them_in()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await page.GotoAsync(_app.Url("/entry"));
        await page.WaitForBlazorAsync();

        var note = page.GetByRole(AriaRole.Note);
        await Expect(note).ToContainTextAsync("No one can sign in yet.");
        await Expect(note).ToContainTextAsync("BatteryMes users add");
        await Expect(note).ToContainTextAsync("/setup");

        await page.GotoInteractiveAsync(_app.Url("/setup"));
        await page.GetByLabel("Login").FillAsync("maria");
        await page.GetByLabel("Full name").FillAsync("Maria Admin");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("short");
        await page.GetByLabel("Password again").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin and sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("A password is 8 to 256 characters.");
        Assert.Empty(await _app.Services.GetRequiredService<PeopleDirectory>().ListAsync());

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("first-admin-pass");
        await page.GetByLabel("Password again").FillAsync("first-admin-pass");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin and sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(_app.Url("/admin/users"));
        await page.WaitForBlazorAsync();
        await Expect(page.GetByLabel("Signed in as")).ToContainTextAsync("Maria Admin");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "People" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "maria" }))
            .ToContainTextAsync("Admin");

        // Once an admin exists, /setup creates no one else.
        await page.GotoInteractiveAsync(_app.Url("/setup"));
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Battery MES already has an admin.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create admin and sign in" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
