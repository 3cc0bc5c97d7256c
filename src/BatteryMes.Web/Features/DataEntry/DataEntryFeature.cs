namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Composition of the DataEntry feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class DataEntryFeature
{
    public static IServiceCollection AddDataEntry(this IServiceCollection services)
    {
        services.AddSingleton<PackRecorder>();
        services.AddSingleton<Data.PackIdCaseConflicts>();
        services.AddHostedService(sp => sp.GetRequiredService<Data.PackIdCaseConflicts>());
        // The page records the client address of its circuit in the audit log.
        services.AddHttpContextAccessor();
        return services;
    }

    public static IEndpointRouteBuilder MapDataEntryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints.MapDataEntryApi();
    }
}
