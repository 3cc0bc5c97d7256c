using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Passport;

/// <summary>What a phone that scans a pack's label sees without signing in.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PublicSummaryTests(BrowserFixture browser)
{
    private const string PackId = "BP-PUB-1";
    private static readonly Actor Technician = new("Asha Technician", "e2e", "asha");
    private static readonly LocatorAssertionsToContainTextOptions Wait = new() { Timeout = 20_000 };

    private static async Task<AppServer> StartAsync(bool publicSummary)
    {
        var folder = Directory.CreateTempSubdirectory("passport-model-").FullName;
        var model = Path.Combine(folder, "pack-model.json");
        await File.WriteAllTextAsync(model, """{ "modelIdentifier": "BP-7.4-2M", "manufacturerInformation": { "contactName": "Test Batteries Ltd" } }""");
        var app = await AppServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["BatteryMes:Passport:PublicSummary"] = publicSummary ? "true" : "false",
            ["BatteryMes:Passport:ModelFile"] = model,
        });
        var recorder = app.Services.GetRequiredService<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync(PackId, null, null, Technician)).Succeeded);
        foreach (var stage in app.Services.GetRequiredService<ProcessRoute>().Stages)
        {
            var saved = await recorder.SaveStageAsync(new StageSave(PackId, stage.Number, TestChecks.Passing(stage)), Technician);
            Assert.True(saved.Succeeded, saved.Message);
            var completed = await recorder.CompleteStageAsync(PackId, stage.Number, Technician);
            Assert.True(completed.Succeeded, completed.Message);
        }
        return app;
    }

    [Fact]
    public async Task With_the_public_summary_on_a_visitor_who_is_not_signed_in_sees_the_summary_and_no_check_results()
    {
        await using var app = await StartAsync(publicSummary: true);
        var page = await browser.NewPageAsync(width: 768, height: 1024);

        await page.GotoAsync(app.Url($"/entry/{PackId.ToLowerInvariant()}"));

        var summary = page.GetByTestId("public-summary");
        await Expect(summary).ToContainTextAsync($"Battery pack {PackId}", Wait);
        await Expect(summary).ToContainTextAsync("BP-7.4-2M");
        await Expect(summary).ToContainTextAsync("Test Batteries Ltd");
        await Expect(page.GetByTestId("public-status")).ToHaveTextAsync("Manufactured and passed end-of-line checks");
        Assert.EndsWith($"/p/{PackId.ToLowerInvariant()}", page.Url, StringComparison.OrdinalIgnoreCase);
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain("Module weight", text);           // a check of stage 6
        Assert.DoesNotContain("6.1.1", text);
        Assert.DoesNotContain(Technician.User!, text); // who recorded and signed
        Assert.DoesNotContain("NOT OK", text);
        await Expect(page.GetByLabel("Battery Pack ID")).ToHaveCountAsync(0);

        // A signed-in person who scans the same label gets the pack's Data Entry page.
        var signedIn = await browser.NewPageAsync(width: 1024, height: 768);
        await app.SignInAsync(signedIn, TestPeople.Operator, $"/entry/{PackId}");
        await Expect(signedIn.GetByRole(AriaRole.Heading, new() { Name = $"Pack {PackId}" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task With_the_public_summary_off_a_visitor_who_is_not_signed_in_is_asked_to_sign_in()
    {
        await using var app = await StartAsync(publicSummary: false);
        var page = await browser.NewPageAsync(width: 1920, height: 1080);

        await page.GotoAsync(app.Url($"/entry/{PackId}"));
        await page.WaitForURLAsync("**/signin**", new() { Timeout = 20_000 });
        await page.GotoAsync(app.Url($"/p/{PackId}"));
        await page.WaitForURLAsync("**/signin**", new() { Timeout = 20_000 });

        Assert.Equal(0, await page.GetByTestId("public-summary").CountAsync());
    }
}
