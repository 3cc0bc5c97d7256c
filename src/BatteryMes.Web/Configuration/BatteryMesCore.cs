using BatteryMes.Web.Features.Genealogy;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Identity;
using BatteryMes.Web.Features.LiveUpdates;
using BatteryMes.Web.Features.Passport;
using BatteryMes.Web.Features.CellImport;
using BatteryMes.Web.Features.QrCodes;
using BatteryMes.Web.Features.Reports;

namespace BatteryMes.Web.Configuration;

/// <summary>The app's services without the web server: the one composition the app (Program.cs), the integration
/// tests and the benchmarks share, so that a service added to a feature reaches all three.</summary>
public static class BatteryMesCore
{
    /// <summary>Options, route, clock, database (with its start-up migration as a hosted service), the live change feed
    /// and every feature's services. The caller supplies logging and <see cref="IConfiguration"/> (the options bind to
    /// it); the web layer (pages, endpoints, hosting, exception handling) stays in Program.cs.</summary>
    public static IServiceCollection AddBatteryMesCore(this IServiceCollection services, AppHome home, ProcessRoute route, DatabaseOptions database)
    {
        services.AddSingleton(home);
        services.AddSingleton(route);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PlantClock>();
        services.AddBatteryMesOptions();
        services.AddMesDatabase(database, home);
        services.AddSingleton<IPreMigrationBackup, SqlitePreMigrationBackup>();
        services.AddSingleton<DatabaseInitializer>();
        // A hosted service, not a call after Build(): it must run for test hosts too, and before Kestrel listens.
        services.AddHostedService<DatabaseStartup>();
        services.AddSingleton<PackChangeFeed>();

        services.AddPeople();
        services.AddDataEntry();
        services.AddDashboard();
        services.AddReports();
        services.AddPassport();
        services.AddCellImport();
        services.AddQrCodes();
        services.AddBackups();
        services.AddGenealogy();
        return services;
    }
}
