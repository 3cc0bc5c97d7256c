using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using BatteryMes.Web.Features.Identity;

namespace BatteryMes.EndToEnd.Infrastructure;

/// <summary>The real app on real Kestrel (loopback, free port) against a real database of its own.</summary>
public sealed class AppServer : IAsyncDisposable
{
    private readonly MesAppFactory _factory;

    private AppServer(MesAppFactory factory, string baseUrl)
    {
        _factory = factory;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public IServiceProvider Services => _factory.Services;
    public TestDatabase Database => _factory.Database;

    public string Url(string path) => BaseUrl.TrimEnd('/') + "/" + path.TrimStart('/');

    /// <summary>An HTTP client acting as <see cref="TestPeople.Rig"/> (every role).</summary>
    public HttpClient CreateHttpClient() => CreateHttpClient(TestPeople.Rig);

    /// <summary>An HTTP client acting as <paramref name="person"/> through their API key; null: no credentials.</summary>
    public HttpClient CreateHttpClient(TestPerson? person)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        if (person is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _factory.ApiKey(person));
        return client;
    }

    /// <summary>Signs <paramref name="page"/>'s browser in as <paramref name="person"/> and opens <paramref name="path"/>
    /// with a live circuit. Uses the sign-in page's own second step (a one-time ticket), so tests about other pages skip
    /// typing; the sign-in page itself has tests of its own.</summary>
    public Task SignInAsync(IPage page, TestPerson person, string path = "/") => SignInAsync(Services, BaseUrl, page, person, path);

    /// <summary><see cref="SignInAsync(IPage, TestPerson, string)"/> for an app started another way (for example with
    /// HTTPS, reached by another host name): <paramref name="baseUrl"/> is the address the browser uses.</summary>
    public static async Task SignInAsync(IServiceProvider services, string baseUrl, IPage page, TestPerson person, string path = "/")
    {
        var view = await services.GetRequiredService<PeopleDirectory>().FindAsync(person.Login)
            ?? throw new InvalidOperationException($"Test person {person.Login} is missing.");
        var ticket = services.GetRequiredService<SignInTickets>().Issue(view, null);
        await page.GotoAsync($"{baseUrl.TrimEnd('/')}/account/signin/complete?ticket={ticket}&returnUrl={Uri.EscapeDataString("/" + path.TrimStart('/'))}");
        await page.WaitForBlazorAsync();
    }

    /// <param name="seedPeople">false: a first start, with nobody in the database (see <see cref="MesAppFactory"/>).</param>
    public static Task<AppServer> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, IDictionary<string, string?>? settings = null,
        bool seedPeople = true)
    {
        var database = TestDatabase.Create(provider);
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["urls"] = "http://127.0.0.1:0",
        };
        var factory = new MesAppFactory(database, all, seedPeople);
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        return Task.FromResult(new AppServer(factory, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
