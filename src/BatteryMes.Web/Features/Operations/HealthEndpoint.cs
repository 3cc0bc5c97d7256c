using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BatteryMes.Web.Features.Operations;

/// <summary>Healthy when the database answers a query.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<MesDbContext> contexts, DatabaseTarget target) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = target.Provider.ToString() };
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // Opening first fails at once when the server is down; the query alone would wait out the provider's retries.
            await db.Database.OpenConnectionAsync(cancellationToken);
            var packs = await db.Packs.CountAsync(cancellationToken);
            data["packs"] = packs;
            return HealthCheckResult.Healthy("The database answers.", data);
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"The database does not answer: {ex.GetBaseException().Message}", ex, data);
        }
    }
}

public static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            ResponseWriter = async (http, report) =>
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    version = typeof(HealthEndpoint).Assembly.GetName().Version?.ToString(3),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString(),
                        description = e.Value.Description,
                        data = e.Value.Data,
                    }),
                    process = ProcessFigures(http),
                });
            },
        });
        return endpoints;
    }

    /// <summary>Memory and open circuits, for monitoring and the load run's memory-per-circuit figure. The heap size is
    /// as of the last garbage collection. <c>?collect=true</c> from the machine itself (loopback) collects first, so the
    /// heap in use is what is alive (the load run measures memory per idle circuit with it); from any other address the
    /// parameter is ignored, so nobody on the network can make the app pause for collections.</summary>
    private static object ProcessFigures(HttpContext http)
    {
        if (string.Equals(http.Request.Query["collect"], "true", StringComparison.OrdinalIgnoreCase)
            && http.Connection.RemoteIpAddress is { } caller && System.Net.IPAddress.IsLoopback(caller))
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        var gc = GC.GetGCMemoryInfo();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new
        {
            workingSetBytes = process.WorkingSet64,
            managedHeapBytes = gc.HeapSizeBytes,
            managedHeapInUseBytes = GC.GetTotalMemory(forceFullCollection: false),
            fullCollections = GC.CollectionCount(2),
            circuits = http.RequestServices.GetService<CircuitCount>()?.Open,
        };
    }
}
