namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Composition of the DataEntry feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class DataEntryFeature
{
    public static IServiceCollection AddDataEntry(this IServiceCollection services)
    {
        services.AddSingleton<PackRecorder>();
        return services;
    }

    public static IEndpointRouteBuilder MapDataEntryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints;
    }
}
