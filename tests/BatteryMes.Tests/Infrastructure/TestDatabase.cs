using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>A real, empty database for one test: a SQLite file in a temp folder or a fresh PostgreSQL database.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly bool _dropOnDispose;

    private TestDatabase(DatabaseProvider provider, string connectionString, string folder, bool dropOnDispose = true)
    {
        _dropOnDispose = dropOnDispose;
        Provider = provider;
        ConnectionString = connectionString;
        Folder = folder;
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    /// <summary>A temp folder owned by this test (the SQLite file lives here; use it for backups and reports too).</summary>
    public string Folder { get; }
    public DatabaseOptions Options => new() { Provider = Provider.ToString(), ConnectionString = ConnectionString };

    public static TestDatabase Create(DatabaseProvider provider)
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var connectionString = provider == DatabaseProvider.Sqlite
            ? $"Data Source={Path.Combine(folder, "battery_mes.db")}"
            : PostgresServer.CreateDatabase("mes");
        return new TestDatabase(provider, connectionString, folder);
    }

    /// <summary>A database on a server the test runs itself (for example a PostgreSQL cluster it stops and starts):
    /// a temp folder of its own, and the server's owner, not this object, removes the database.</summary>
    public static TestDatabase OnOwnServer(DatabaseProvider provider, string connectionString)
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return new TestDatabase(provider, connectionString, folder, dropOnDispose: false);
    }

    /// <summary>Services wired as the app wires them (database, route, live feed, recorder), against this database.</summary>
    public ServiceProvider BuildServices(Action<IServiceCollection>? configure = null)
    {
        var services = TestServices.Create(this);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Applies every migration (what the app does at start-up).</summary>
    public async Task<ServiceProvider> StartAsync(Action<IServiceCollection>? configure = null)
    {
        var provider = BuildServices(configure);
        await provider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Provider == DatabaseProvider.PostgreSQL && _dropOnDispose) PostgresServer.DropDatabase(ConnectionString);
            else Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException) { /* a temp folder left behind does not affect results */ }
        await Task.CompletedTask;
    }
}

/// <summary>The app's real services for integration tests, without the web server.</summary>
public static class TestServices
{
    public static string RoutePath => Path.Combine(AppContext.BaseDirectory, "templates", "route.json");

    /// <summary>The app's composition (<see cref="BatteryMesCore.AddBatteryMesCore"/>) with default settings: every
    /// output folder under the test's folder. A test replaces a service or an option by registering it again.</summary>
    public static IServiceCollection Create(TestDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(TestPeople.Settings).Build());
        services.AddBatteryMesCore(new AppHome(database.Folder), BatteryMes.Web.Domain.RouteFile.Load(RoutePath), database.Options);
        return services;
    }

    public static async Task<MesDbContext> OpenAsync(this IServiceProvider services) =>
        await services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync();
}
