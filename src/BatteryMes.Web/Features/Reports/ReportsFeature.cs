namespace BatteryMes.Web.Features.Reports;

/// <summary>Composition of the Reports feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class ReportsFeature
{
    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapReportsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints;
    }
}
