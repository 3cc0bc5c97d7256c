using System.Net;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Identity;

/// <summary>Several app instances on one PostgreSQL database (behind a load balancer): the keys behind sign-in cookies
/// live in the database, so a station signed in on one instance stays signed in on the others.</summary>
public class SharedSignInTests
{
    [Fact]
    public async Task A_sign_in_cookie_issued_by_one_instance_is_accepted_by_another_on_the_same_database()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        await using var first = new MesAppFactory(database);
        await using var second = new MesAppFactory(database);
        using var firstBrowser = Browser(first);
        using var secondBrowser = Browser(second);
        // Both instances are up before the sign-in, as on a running line.
        Assert.Equal(HttpStatusCode.OK, (await firstBrowser.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await secondBrowser.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await secondBrowser.GetAsync("/api/packs/BP-SHARED-1")).StatusCode);

        var olga = await first.Services.GetRequiredService<PeopleDirectory>().FindAsync(TestPeople.Operator.Login);
        var ticket = first.Services.GetRequiredService<SignInTickets>().Issue(olga!, null);
        using var signedIn = await firstBrowser.GetAsync($"/account/signin/complete?ticket={ticket}&returnUrl=/");

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(IdentityFeature.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var value = cookie[..cookie.IndexOf(';')];

        foreach (var instance in new[] { firstBrowser, secondBrowser })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/packs/BP-SHARED-1") { Headers = { { "Cookie", value } } };
            using var response = await instance.SendAsync(request);
            // Signed in as Olga: the pack is simply not registered.
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        // A tampered cookie is nobody's.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/packs/BP-SHARED-1") { Headers = { { "Cookie", value[..^4] + "AAAA" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await secondBrowser.SendAsync(forged)).StatusCode);
    }

    /// <summary>A client that carries no API key and does not follow redirects or keep cookies: what it sends is what the test gives it.</summary>
    private static HttpClient Browser(MesAppFactory app)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }
}
