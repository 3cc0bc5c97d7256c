using BatteryMes.Tests.Infrastructure;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Web.Features.Backups;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Faults;

// The sweep through the Dashboard, Reports (with the backup panel) and QR Generator pages; same app and browser.
public sealed partial class BadInputFormsTests
{
    private async Task<string> StoredTargetAsync()
    {
        using var http = sweep.App.CreateHttpClient();
        return await http.GetStringAsync("/api/dashboard/target");
    }

    [Fact]
    public async Task The_daily_target_refuses_what_is_not_a_whole_number_in_range_and_keeps_the_stored_target()
    {
        using (var http = sweep.App.CreateHttpClient())
            (await http.PutAsJsonAsync("/api/dashboard/target", new { packsPerDay = 80, setBy = "Meera" })).EnsureSuccessStatusCode();
        var stored = await StoredTargetAsync();
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/dashboard", width: 1024);
        var target = page.Page.GetByLabel("Daily target (packs)");
        var supervisor = page.Page.GetByLabel("Supervisor");
        var message = page.Page.GetByRole(AriaRole.Status).Filter(new() { HasNotText = "Last updated" });

        foreach (var (typed, expected) in new[]
        {
            ("", "Enter the daily target as a whole number of packs"),
            ("abc", "Enter the daily target as a whole number of packs"),
            (Hostile.Sql, "Enter the daily target as a whole number of packs"),
            ("99999999999", "Enter the daily target as a whole number of packs"),
            ("-5", "must be a whole number from 0 to"),
            ("1000000", "must be a whole number from 0 to"),
        })
        {
            await target.FillAsync(typed);
            await page.Button("Save target").ClickAsync();
            await Expect(message).ToContainTextAsync(expected);
            Assert.Equal(stored, await StoredTargetAsync());
        }

        // The name recorded with the target is the signed-in supervisor's: there is no name to type.
        await Expect(supervisor).ToHaveCountAsync(0);
        await target.FillAsync("120");
        await page.Button("Save target").ClickAsync();
        await Expect(message).ToContainTextAsync("Daily target of 120 packs saved");
        using (var json = JsonDocument.Parse(await StoredTargetAsync()))
        {
            Assert.Equal(120, json.RootElement.GetProperty("packsPerDay").GetInt32());
            Assert.Equal(TestPeople.Rig.FullName, json.RootElement.GetProperty("setBy").GetString());
        }

        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task The_pack_tracker_search_finds_nothing_for_hostile_text_and_still_finds_a_real_pack()
    {
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/dashboard");
        var search = page.Page.GetByLabel("Search pack ID");

        foreach (var text in new[] { Hostile.Megabyte, Hostile.Sql, Hostile.Script, Hostile.ImageOnError, Hostile.ControlCharacters, Hostile.Unicode, "%", "_", Hostile.Hyperlink })
        {
            await search.FillAsync(text);
            await Expect(page.Page.GetByText("No pack matches.")).ToBeVisibleAsync();
        }
        await search.FillAsync("keep-00");
        await Expect(page.Page.GetByRole(AriaRole.Link, new() { Name = SweepApp.KeptPackId, Exact = true })).ToBeVisibleAsync();

        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task Report_searches_say_what_is_wrong_with_a_text_or_date_and_extreme_dates_do_not_break_the_page()
    {
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/reports");
        var search = page.Button("Search");
        var packId = page.Page.GetByLabel("Pack ID contains");
        var technician = page.Page.GetByLabel("Technician contains");
        var from = page.Page.GetByLabel("Created from");
        var to = page.Page.GetByLabel("Created to");
        var matches = page.Page.GetByTestId("match-count");
        var error = page.Page.Locator(".mud-alert-text-error");

        await packId.FillAsync(Hostile.Megabyte);
        await search.ClickAsync();
        await Expect(error).ToContainTextAsync("The pack ID search 'q' is 101 characters long; the limit is 100");
        await packId.FillAsync("");
        await technician.FillAsync(Hostile.Megabyte);
        await search.ClickAsync();
        await Expect(error).ToContainTextAsync("The technician search is 101 characters long; the limit is 100");

        foreach (var text in new[] { Hostile.Sql, Hostile.Script, Hostile.ControlCharacters, Hostile.Unicode, "%" })
        {
            await packId.FillAsync(text);
            await technician.FillAsync(text);
            await search.ClickAsync();
            await Expect(page.Page.GetByText("No pack matches this search.")).ToBeVisibleAsync();
        }

        await page.Button("Clear search").ClickAsync();
        await from.FillAsync("0001-01-01");
        await to.FillAsync("9999-12-31");
        await search.ClickAsync();
        await Expect(page.Page.GetByRole(AriaRole.Cell, new() { Name = SweepApp.KeptPackId, Exact = true })).ToBeVisibleAsync();
        await from.FillAsync("9999-12-31");
        await search.ClickAsync();
        await Expect(page.Page.GetByText("No pack matches this search.")).ToBeVisibleAsync();
        await Expect(matches).ToContainTextAsync("0 packs");

        // The download links carry the same filter; the extreme range is answered, not a server error.
        using var http = sweep.App.CreateHttpClient();
        Assert.True((await http.GetAsync("/api/reports/results.csv?from=0001-01-01&to=9999-12-31")).IsSuccessStatusCode);

        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task A_wrong_admin_password_of_any_shape_restores_nothing_and_says_so()
    {
        var backup = (await sweep.App.Services.GetRequiredService<BackupService>().CreateAsync(BackupTrigger.Manual)).Entry!;
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/reports");
        await page.Page.GetByRole(AriaRole.Tab, new() { Name = "Backups" }).ClickAsync();
        await page.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = backup.Name }).GetByRole(AriaRole.Button, new() { Name = "Restore" }).ClickAsync();
        var password = page.Page.GetByLabel("Your password");
        var status = page.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "password" });

        foreach (var typed in new[] { "", "   ", Hostile.Megabyte, Hostile.Sql, Hostile.ControlCharacters, Hostile.Unicode, SweepApp.RestorePassword + " ", SweepApp.RestorePassword.ToUpperInvariant() })
        {
            await password.FillAsync(typed);
            await page.Button("Restore this backup").ClickAsync();
            await Expect(status).ToContainTextAsync("Nothing was changed.");
            await Expect(password).ToHaveValueAsync("");
        }
        await page.Button("Cancel").ClickAsync();

        await page.AssertNothingBrokeAsync();
    }

    [Fact]
    public async Task The_qr_generator_lists_what_is_wrong_with_a_batch_and_generates_nothing()
    {
        await using var page = await WatchedPage.OpenAsync(browser, sweep, "/qr", width: 1024);
        var errors = page.Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The batch cannot be generated" });
        var prefix = page.Page.GetByLabel("Prefix");
        var count = page.Page.GetByLabel("Number of labels");
        var width = page.Page.GetByLabel("Label width");

        async Task RefusedAsync(string expected)
        {
            await page.Button("Generate labels").ClickAsync();
            await Expect(errors).ToContainTextAsync(expected);
        }

        foreach (var (text, expected) in new[]
        {
            (Hostile.Megabyte, "characters long; the limit is 40"),
            (Hostile.Sql, "cannot go in a label URL or a pack ID"),
            (Hostile.Script, "cannot go in a label URL or a pack ID"),
            (Hostile.Unicode, "cannot go in a label URL or a pack ID"),
            (Hostile.Hyperlink, "cannot go in a label URL or a pack ID"),
        })
        {
            await prefix.FillAsync(text);
            await RefusedAsync(expected);
        }
        await prefix.FillAsync("SWEEP-");

        foreach (var (text, expected) in new[] { ("0", "Enter how many labels to make"), ("-5", "Enter how many labels to make"), ("5000", "A batch holds at most 1000 labels"), ("abc", "Number of labels is not a number"), ("99999999999", "Number of labels is not a number") })
        {
            await count.FillAsync(text);
            await RefusedAsync(expected);
        }
        await count.FillAsync("2");

        foreach (var text in new[] { "1e308", "-300", "0" })
        {
            await width.FillAsync(text);
            await RefusedAsync("The label size must be between 96 and 2000 pixels");
        }
        await width.FillAsync("300");

        await page.Page.GetByLabel("Second line (optional)").FillAsync(Hostile.Megabyte);
        await RefusedAsync("a label has room for 40");
        await page.Page.GetByLabel("Second line (optional)").FillAsync("");
        await page.Page.GetByLabel("Base URL").FillAsync("javascript:alert(1)");
        await RefusedAsync("is not a web address");
        await page.Page.GetByLabel("Base URL").FillAsync(Hostile.Megabyte);
        await RefusedAsync("the limit is 400");
        await page.Page.GetByLabel("Base URL").FillAsync("");

        await page.Page.GetByRole(AriaRole.Radio, new() { Name = "List of IDs" }).CheckAsync();
        var list = page.Page.GetByLabel("Pack IDs, one per line");
        await list.FillAsync(new string('A', 41));
        await RefusedAsync("the limit is 40");
        await list.FillAsync($"{Hostile.Script}\n{Hostile.Sql}\nGOOD-1");
        await RefusedAsync("is not a valid pack ID");
        // 1,000 IDs of 38 characters: 39 KB, more than the 32 KB a browser message could carry before. Set as a paste
        // delivers it, one input event with the whole text: Playwright's typing path inserts a textarea's text line by
        // line, which takes minutes and starves the page's connection of its keep-alives.
        var ids = string.Join("\n", Enumerable.Range(1, 1000).Select(n => $"SWEEP-LONG-ID-FOR-A-FULL-BATCH-{n:0000000}"));
        await list.EvaluateAsync("(area, text) => { area.value = text; area.dispatchEvent(new Event('input', { bubbles: true })); area.dispatchEvent(new Event('change', { bubbles: true })); }", ids);
        await page.Button("Preview").ClickAsync();
        await Expect(page.Page.GetByText("1000 labels: SWEEP-LONG-ID-FOR-A-FULL-BATCH-0000001 to SWEEP-LONG-ID-FOR-A-FULL-BATCH-0001000")).ToBeVisibleAsync();

        using (var http = sweep.App.CreateHttpClient())
        {
            using var next = JsonDocument.Parse(await http.GetStringAsync("/api/qr/next-start?prefix=SWEEP-"));
            Assert.Equal(1, next.RootElement.GetProperty("start").GetInt32());
        }
        await page.AssertNothingBrokeAsync();
    }
}
