using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace BatteryMes.Web.Features.Operations;

/// <summary>Tells a database outage (PostgreSQL stopped or unreachable, the SQLite file unreadable or busy beyond its
/// timeout) apart from a bug, so the boundary (API, page) can answer with a plain "try again" instead of a 500 with a
/// stack trace. Retrying itself stays with the provider's execution strategy (whole transactions, so a save is never
/// half applied); this only decides what the person or the client is told once those retries are spent.</summary>
public static class DatabaseOutage
{
    public const string Title = "Database unavailable";
    public const string ApiDetail =
        "The database is not reachable right now. Send the request again in a moment; repeating a save does no harm (values that are already stored are left as they are).";
    public const string OperatorMessage =
        "The database is not reachable; your entries are kept on this device; try Save again in a moment.";

    // SQLite result codes (primary code, low byte) that mean "cannot get at the file now", not "your data is wrong".
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteIoError = 10, SqliteCannotOpen = 14;

    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Serialization failures and deadlocks are transient too, but they are contention, not an outage.
                case PostgresException p when p.SqlState.StartsWith("40", StringComparison.Ordinal):
                    return false;
                case NpgsqlException { IsTransient: true }:
                case SqliteException s when (s.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked or SqliteIoError or SqliteCannotOpen:
                case SocketException:
                    return true;
                case RetryLimitExceededException:
                    continue; // the provider gave up retrying: judge by what it was retrying
            }
        }
        return false;
    }

    /// <summary>For the JSON API: a database outage becomes 503 ProblemDetails (with Retry-After), whatever the
    /// hosting environment; everything else goes on to the normal error handling.</summary>
    public static async ValueTask<object?> ApiFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            LogOutage(context.HttpContext, ex);
            context.HttpContext.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(ApiDetail, statusCode: StatusCodes.Status503ServiceUnavailable, title: Title);
        }
    }

    internal static void LogOutage(HttpContext http, Exception ex) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseOutage))
            .LogWarning("Database unreachable during {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path.Value, ex.GetBaseException().Message);
}

/// <summary>The same answer for every other request that meets a database outage (pages, downloads, other APIs):
/// 503 ProblemDetails instead of the generic error page. Runs inside the app's UseExceptionHandler.</summary>
public sealed class DatabaseOutageHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseOutage.IsOutage(exception)) return false;
        DatabaseOutage.LogOutage(http, exception);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = DatabaseOutage.Title, Detail = DatabaseOutage.ApiDetail },
        });
    }
}
