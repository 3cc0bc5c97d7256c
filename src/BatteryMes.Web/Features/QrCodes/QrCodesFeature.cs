namespace BatteryMes.Web.Features.QrCodes;

/// <summary>Composition of the QrCodes feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class QrCodesFeature
{
    public static IServiceCollection AddQrCodes(this IServiceCollection services)
    {
        services.AddSingleton<QrDecoder>();
        return services;
    }

    public static IEndpointRouteBuilder MapQrCodesEndpoints(this IEndpointRouteBuilder endpoints)
    {
        return endpoints;
    }
}
