using System.Net;
using System.Text.Json;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.Identity;

/// <summary>A page from another origin, opened in a browser whose station is signed in, submits forms to the app: the
/// browser sends the station's cookie along, and the app must still do nothing. The other origin is another port of
/// the same loopback address, so it counts as the same site and the SameSite cookie rule alone would not stop it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CrossSiteRequestTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string PackId = "BP-XSITE";
    private AppServer _app = null!;
    private string _otherOrigin = "";

    public async Task InitializeAsync()
    {
        _app = await AppServer.StartAsync();
        // A port nothing listens on: the browser gets the attacker's page from the route below, never from a server.
        _otherOrigin = $"http://127.0.0.1:{new Uri(_app.BaseUrl).Port + 1}";
        var recorder = _app.Services.GetRequiredService<PackRecorder>();
        Assert.True((await recorder.CreatePackAsync(PackId, null, null, TestPeople.Operator.Actor())).Succeeded);
        var stage = _app.Services.GetRequiredService<ProcessRoute>().GetStage(1);
        var saved = await recorder.SaveStageAsync(new StageSave(PackId, 1, TestChecks.Passing(stage)),
            TestPeople.Operator.Actor());
        Assert.True(saved.Succeeded, saved.Message);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A tab in the signed-in context whose every request to the other origin is answered with <paramref name="html"/>.</summary>
    private async Task<IPage> ForeignTabAsync(IBrowserContext context, string html)
    {
        var page = await context.NewPageAsync();
        await page.RouteAsync($"{_otherOrigin}/**", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = html }));
        return page;
    }

    /// <summary>Submits the form as such a page does, by script. Submitted after the script call has returned: a
    /// navigation that starts while the call is still open can leave the call waiting for good.</summary>
    private async Task<IResponse> SubmitAsync(IPage page, string formId, string path)
    {
        await page.GotoAsync($"{_otherOrigin}/prize.html");
        var answer = await page.RunAndWaitForNavigationAsync(() => page.Locator($"#{formId}").EvaluateAsync("form => { setTimeout(() => form.submit(), 0); }"),
            new() { Url = _app.Url(path), Timeout = 30_000 });
        Assert.Equal("POST", answer!.Request.Method);
        return answer;
    }

    private async Task<JsonElement> StageOneAsync()
    {
        using var http = _app.CreateHttpClient();
        using var json = JsonDocument.Parse(await http.GetStringAsync($"/api/packs/{PackId}/stages/1"));
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task A_form_on_another_origin_cannot_complete_a_stage_or_sign_the_station_out()
    {
        var station = await browser.NewPageAsync();
        await _app.SignInAsync(station, TestPeople.Rig, $"/entry/{PackId}");
        var complete = $"/api/packs/{PackId}/stages/1/complete";
        // text/plain can carry a JSON-looking body ({"pin":"9999","x":"="}); form-urlencoded is the ordinary form.
        var html = $$"""
            <html><body>
            <form id="plain" method="post" enctype="text/plain" action="{{_app.Url(complete)}}">
              <input type="hidden" name='{"pin":"{{TestPeople.Rig.Pin}}","x":"' value='"}' />
            </form>
            <form id="urlencoded" method="post" enctype="application/x-www-form-urlencoded" action="{{_app.Url(complete)}}">
              <input type="hidden" name="pin" value="{{TestPeople.Rig.Pin}}" />
            </form>
            <form id="signout" method="post" action="{{_app.Url("/account/signout")}}">
              <input type="hidden" name="reason" value="" />
            </form>
            </body></html>
            """;

        // One tab for every post: closing a tab whose requests a route answered can hang in Playwright.
        var foreign = await ForeignTabAsync(station.Context, html);
        foreach (var form in new[] { "plain", "urlencoded" })
        {
            var answer = await SubmitAsync(foreign, form, complete);
            Assert.True(answer.Status is 415 or 400, $"The {form} form post was answered {answer.Status}.");
        }
        var stage = await StageOneAsync();
        Assert.Equal(JsonValueKind.Null, stage.GetProperty("completedUtc").ValueKind);
        Assert.Equal("Ready to complete", stage.GetProperty("status").GetString());

        var signOut = await SubmitAsync(foreign, "signout", "/account/signout");
        // 400, not the way on to the sign-in page that a post without a cookie gets: the station's cookie went along
        // with the other origin's posts (same site), so the refusals come from the app's own rules.
        Assert.Equal((int)HttpStatusCode.BadRequest, signOut.Status);

        // Still signed in: a fresh load of Data Entry opens the pack as the same person.
        await station.GotoAsync(_app.Url($"/entry/{PackId}"));
        Assert.Equal(_app.Url($"/entry/{PackId}"), station.Url);
        await station.WaitForBlazorAsync();
        await Expect(station.GetByLabel("Signed in as")).ToContainTextAsync("Test Rig");
        await station.Context.CloseAsync();
    }
}
