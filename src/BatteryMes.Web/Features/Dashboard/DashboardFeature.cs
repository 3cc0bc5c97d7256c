using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>Composition of the Dashboard feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class DashboardFeature
{
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();
        services.AddSingleton<DashboardQueries>();
        services.AddSingleton<DashboardScreens>();
        services.AddSingleton<ProductionPlan>();
        // Live updates between app instances on one PostgreSQL database; idle on SQLite.
        services.AddSingleton<PostgresChangeRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeRelay>());
        return services;
    }

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/dashboard").WithTags("Dashboard");
        // GETs follow BatteryMes:Security:AnonymousDashboard (a wall screen); setting the target needs a supervisor.
        api.MapGet("/", async (DashboardQueries queries, CancellationToken ct) => TypedResults.Ok(await queries.GetFirstScreenAsync(ct: ct)))
            .WithSummary("Headline numbers, stage loads, plan vs actual and quality for this week, and the first tracker page.")
            .RequireAuthorization(Identity.IdentityFeature.DashboardPolicy);
        api.MapGet("/target", async (ProductionPlan plan, Configuration.PlantClock clock, CancellationToken ct) =>
                await plan.GetTargetAsync(clock.Today, ct) is { } target ? Results.Ok(target) : Results.NotFound())
            .WithSummary("The daily production target in force today.")
            .RequireAuthorization(Identity.IdentityFeature.DashboardPolicy);
        api.MapPut("/target", async (TargetRequest request, ProductionPlan plan, Configuration.PlantClock clock, HttpContext http, CancellationToken ct) =>
            {
                // Required: an empty body must not quietly save a target of 0.
                if (request.PacksPerDay is not { } packsPerDay)
                    return Results.Problem(title: "The target was not saved", statusCode: StatusCodes.Status400BadRequest,
                        detail: $"Field 'packsPerDay' is required: the daily target as a whole number from 0 to {ProductionPlan.MaxPacksPerDay:N0} packs.");
                var result = await plan.SetTargetAsync(request.EffectiveFrom ?? clock.Today, packsPerDay, Identity.PersonClaims.FullName(http.User), ct);
                return result.Succeeded
                    ? Results.Ok(result)
                    : Results.Problem(title: "The target was not saved", detail: result.Message, statusCode: StatusCodes.Status400BadRequest);
            })
            .WithSummary("Sets the daily production target from a plant-local date (today when omitted). Supervisor role.")
            .RequireAuthorization(nameof(Domain.Capability.Supervise));
        return endpoints;
    }

    public sealed record TargetRequest(int? PacksPerDay, DateOnly? EffectiveFrom, string? SetBy);
}
