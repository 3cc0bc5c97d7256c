namespace BatteryMes.Web.Features.Genealogy;

/// <summary>Composition of the Genealogy feature (cells and modules in packs, rework, trace, recall and hold): its
/// services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class GenealogyFeature
{
    public static IServiceCollection AddGenealogy(this IServiceCollection services)
    {
        services.AddSingleton<ComponentLinker>();
        services.AddSingleton<TraceQueries>();
        services.AddSingleton<PackHolds>();
        services.AddSingleton<LotRecallCsv>();
        return services;
    }

    public static IEndpointRouteBuilder MapGenealogyEndpoints(this IEndpointRouteBuilder endpoints) => endpoints.MapGenealogyApi();
}
