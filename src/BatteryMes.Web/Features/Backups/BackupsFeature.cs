namespace BatteryMes.Web.Features.Backups;

/// <summary>Composition of the Backups feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class BackupsFeature
{
    public static IServiceCollection AddBackups(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapBackupsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints;
    }
}
