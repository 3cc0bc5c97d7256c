namespace BatteryMes.Web.Features.Dashboard;

/// <summary>Composition of the Dashboard feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class DashboardFeature
{
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints;
    }
}
