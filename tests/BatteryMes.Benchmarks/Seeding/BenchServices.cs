using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BatteryMes.Benchmarks.Seeding;

/// <summary>The app's real services (<see cref="BatteryMesCore.AddBatteryMesCore"/>, as Program.cs composes them without the web server) against one database,
/// with every output folder under <paramref name="folder"/>. Each feature's Add method is called, so a
/// feature's service (dashboard queries, report writers, backups, labels) can be resolved here once it lands.</summary>
public static class BenchServices
{
    public static string RoutePath => Path.Combine(AppContext.BaseDirectory, "templates", "route.json");

    public static ProcessRoute LoadRoute() => RouteFile.Load(RoutePath);

    public static ServiceProvider Build(DatabaseProvider provider, string connectionString, string folder,
        IReadOnlyDictionary<string, string?>? extraSettings = null, string? informationFrom = null)
    {
        Directory.CreateDirectory(folder);
        var settings = new Dictionary<string, string?>
        {
            ["BatteryMes:Database:Provider"] = provider.ToString(),
            ["BatteryMes:Database:ConnectionString"] = connectionString,
            ["BatteryMes:Folders:Backups"] = Path.Combine(folder, "backups"),
            ["BatteryMes:Folders:ExcelReports"] = Path.Combine(folder, "excel_reports"),
            ["BatteryMes:Folders:QrCodes"] = Path.Combine(folder, "qr_codes"),
            ["BatteryMes:Folders:Logs"] = Path.Combine(folder, "logs"),
            ["BatteryMes:Route:File"] = RoutePath,
            ["BatteryMes:Reports:TemplateFile"] = Path.Combine(AppContext.BaseDirectory, "templates", "process-card-template.xlsx"),
            ["BatteryMes:Passport:ModelFile"] = Path.Combine(AppContext.BaseDirectory, "templates", "pack-model.json"),
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>()) settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var home = new AppHome(folder);
        var database = new DatabaseOptions { Provider = provider.ToString(), ConnectionString = connectionString };

        var services = new ServiceCollection();
        // Warnings only: the benchmarks measure the work, not the console.
        // informationFrom: one category whose Information messages are shown too (e.g. a service's phase times).
        // (AddFilter with a null category would set the level of EVERY category: EF Core's command log then floods the
        // console and its bounded queue stalls the code being measured.)
        services.AddLogging(b =>
        {
            b.AddConsole().SetMinimumLevel(LogLevel.Warning);
            if (!string.IsNullOrEmpty(informationFrom)) b.AddFilter(informationFrom, LogLevel.Information);
        });
        services.AddSingleton<IConfiguration>(configuration);
        services.AddBatteryMesCore(home, LoadRoute(), database);
        return services.BuildServiceProvider();
    }
}
