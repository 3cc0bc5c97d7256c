using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

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

    public HttpClient CreateHttpClient() => new() { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };

    public static Task<AppServer> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, IDictionary<string, string?>? settings = null)
    {
        var database = TestDatabase.Create(provider);
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["urls"] = "http://127.0.0.1:0",
        };
        var factory = new MesAppFactory(database, all);
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
