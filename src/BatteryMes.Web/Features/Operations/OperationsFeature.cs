namespace BatteryMes.Web.Features.Operations;

/// <summary>Composition of the Operations feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class OperationsFeature
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints;
    }
}
