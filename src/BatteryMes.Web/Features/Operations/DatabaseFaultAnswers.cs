using BatteryMes.Web.Data;
using Microsoft.AspNetCore.Diagnostics;

namespace BatteryMes.Web.Features.Operations;

/// <summary>How HTTP requests are answered when they meet a <see cref="DatabaseFault"/>: 503 ProblemDetails with the
/// plain reason (and Retry-After when the database is unreachable) instead of a 500 with a stack trace.</summary>
public static class DatabaseFaultAnswers
{
    /// <summary>For the JSON API, whatever the hosting environment. A write refused by a stale read-only SQLite
    /// connection is run once more on a fresh connection (the refused write was rolled back, so this is safe); any
    /// other exception goes on to the normal error handling.</summary>
    public static async ValueTask<object?> ApiFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            try
            {
                return await next(context);
            }
            catch (Exception ex) when (DatabaseFault.Classify(ex) is { LeavesStaleConnections: true } stale)
            {
                stale.DropStaleConnections();
                return await next(context);
            }
        }
        catch (Exception ex) when (DatabaseFault.Classify(ex) is { IsKnown: true } fault)
        {
            fault.DropStaleConnections();
            Log(context.HttpContext, ex, fault);
            if (fault.Kind == DatabaseFaultKind.Unreachable) context.HttpContext.Response.Headers.RetryAfter = RetryAfter;
            return TypedResults.Problem(fault.ApiDetail, statusCode: StatusCodes.Status503ServiceUnavailable, title: fault.Title);
        }
    }

    private static readonly string RetryAfter = DatabaseFault.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static void Log(HttpContext http, Exception ex, DatabaseFault fault)
    {
        var log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseFaultAnswers));
        if (fault.Kind == DatabaseFaultKind.Unreachable)
            log.LogWarning("Database unreachable during {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path.Value, ex.GetBaseException().Message);
        else
            log.LogError(ex, "A write to the database was refused ({Kind}) during {Method} {Path}", fault.Kind, http.Request.Method, http.Request.Path.Value);
    }

    /// <summary>The same answer for every other request that meets a database fault (pages, downloads, other APIs).
    /// Runs inside the app's UseExceptionHandler.</summary>
    public sealed class Handler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
        {
            if (DatabaseFault.Classify(exception) is not { IsKnown: true } fault) return false;
            fault.DropStaleConnections();
            Log(http, exception, fault);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            if (fault.Kind == DatabaseFaultKind.Unreachable) http.Response.Headers.RetryAfter = RetryAfter;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = fault.Title, Detail = fault.ApiDetail },
            });
        }
    }
}
