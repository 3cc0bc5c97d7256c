using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Operations;

/// <summary>BatteryMes:Limits. How many heavy downloads (master workbook, results CSV, label batch, backup file) run at
/// once, and how many wait for a turn; beyond that a request is answered 503 with Retry-After.</summary>
public sealed class RequestLimitsOptions
{
    public const string Section = "BatteryMes:Limits";

    public int HeavyRequests { get; set; } = 2;
    public int HeavyQueue { get; set; } = 4;
    public int RetryAfterSeconds { get; set; } = 15;
    /// <summary>API request bodies up to this size are checked for NUL characters; larger ones are uploads, not text.</summary>
    public int CheckedBodyKilobytes { get; set; } = 1024;
}

internal sealed class RequestLimitsOptionsValidator : IValidateOptions<RequestLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLimitsOptions options)
    {
        var errors = new List<string>();
        void Range(string key, int value, int min, int max)
        {
            if (value < min || value > max) errors.Add($"{RequestLimitsOptions.Section}:{key} must be between {min} and {max} (found {value}).");
        }
        Range(nameof(options.HeavyRequests), options.HeavyRequests, 1, 64);
        Range(nameof(options.HeavyQueue), options.HeavyQueue, 0, 1000);
        Range(nameof(options.RetryAfterSeconds), options.RetryAfterSeconds, 1, 3600);
        Range(nameof(options.CheckedBodyKilobytes), options.CheckedBodyKilobytes, 1, 64 * 1024);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The one limiter all heavy requests share. Never reported idle, so the rate-limiting middleware keeps it for
/// the app's lifetime instead of retiring it (and its waiting requests) between bursts.</summary>
public sealed class HeavyRequestGate(IOptions<RequestLimitsOptions> options) : RateLimiter
{
    private readonly ConcurrencyLimiter _inner = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.HeavyRequests,
        QueueLimit = options.Value.HeavyQueue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public override TimeSpan? IdleDuration => null;
    public override RateLimiterStatistics? GetStatistics() => _inner.GetStatistics();
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => _inner.AttemptAcquire(permitCount);
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        _inner.AcquireAsync(permitCount, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

internal sealed class HeavyRequestPolicy(HeavyRequestGate gate) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;
    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => RateLimitPartition.Get("heavy", _ => gate);
}

/// <summary>What no client may do to the server, and how refusals read: limits on heavy downloads, NUL characters kept
/// away from the database, request bodies that cannot be read answered with the field and the reason, and the app's
/// own page for a mistyped address (the API keeps problem+json). Program.cs calls <see cref="AddRequestGuards"/> and
/// <see cref="UseRequestGuards"/> once each.</summary>
public static class RequestGuards
{
    /// <summary>Rate-limiting policy of the heavy endpoints: <c>.RequireRateLimiting(RequestGuards.HeavyPolicy)</c>.</summary>
    public const string HeavyPolicy = "heavy";
    public const string StatusPagePath = "/status";

    public static IServiceCollection AddRequestGuards(this IServiceCollection services)
    {
        services.AddOptions<RequestLimitsOptions>().BindConfiguration(RequestLimitsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RequestLimitsOptions>, RequestLimitsOptionsValidator>();
        services.AddSingleton<HeavyRequestGate>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy<string, HeavyRequestPolicy>(HeavyPolicy);
            limiter.OnRejected = (rejected, _) =>
            {
                var limits = rejected.HttpContext.RequestServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value;
                rejected.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestGuards))
                    .LogWarning("Refused {Path}: {Running} heavy downloads running and {Waiting} waiting", rejected.HttpContext.Request.Path,
                        limits.HeavyRequests, limits.HeavyQueue);
                return new ValueTask(Busy(rejected.HttpContext, "Server busy with other downloads",
                    $"{limits.HeavyRequests} large downloads are being prepared and {limits.HeavyQueue} are waiting. Nothing was lost; try again in {limits.RetryAfterSeconds} seconds.")
                    .ExecuteAsync(rejected.HttpContext));
            };
        });
        // A body that cannot be read throws, so that UseRequestGuards can say which field and why (instead of a bare 400).
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication UseRequestGuards(this WebApplication app)
    {
        // A page address that leads nowhere shows the app's own page, with its menu; the API answers problem+json, written
        // by the inner middleware so that the outer one finds a body and leaves it. (Re-execution inside a UseWhen branch
        // would not be routed again, so the page one stays outermost.)
        app.UseStatusCodePagesWithReExecute(StatusPagePath + "/{0}", createScopeForStatusCodePages: true);
        app.UseWhen(IsApi, api => api.UseStatusCodePages());
        app.Use(UnreadableRequestsAsync);
        app.UseWhen(IsApi, api => api.Use(RefuseNulCharactersAsync));
        app.UseRateLimiter();
        return app;
    }

    /// <summary>503 with Retry-After and a problem+json body that says what to do.</summary>
    public static IResult Busy(HttpContext http, string title, string detail)
    {
        var seconds = http.RequestServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value.RetryAfterSeconds;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static async Task UnreadableRequestsAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            await Results.Problem(title: "The request could not be read", detail: Explain(ex), statusCode: ex.StatusCode).ExecuteAsync(http);
        }
    }

    /// <summary>"Field 'packsPerDay': the value is not a whole number" rather than "Bad Request".</summary>
    internal static string Explain(BadHttpRequestException ex)
    {
        if (ex.InnerException is JsonException json)
        {
            var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            var reason = json.Message.Split(" Path:", 2)[0].Replace("System.Nullable`1[System.Int32]", "a whole number")
                .Replace("System.Int32", "a whole number").Replace("System.Nullable`1[System.DateOnly]", "a date (yyyy-MM-dd)")
                .Replace("System.DateOnly", "a date (yyyy-MM-dd)").Replace("System.Boolean", "true or false").Replace("System.String", "text");
            return field is null ? $"The JSON body could not be read: {reason}" : $"Field '{field}' could not be read: {reason}";
        }
        return ex.Message;
    }

    /// <summary>PostgreSQL cannot store a NUL character in text (SQLite would keep it, invisibly): refused at the door,
    /// in the address, the query or a JSON body, on both databases alike.</summary>
    private static async Task RefuseNulCharactersAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        var where = request.Path.Value?.Contains('\0') == true ? "the address"
            : request.Query.FirstOrDefault(q => q.Key.Contains('\0') || q.Value.Any(v => v?.Contains('\0') == true)) is { Key: not null } q ? $"the query parameter '{q.Key.Replace("\0", "")}'"
            : await BodyHasNulAsync(http) ? "the request body" : null;
        if (where is null)
        {
            await next(http);
            return;
        }
        await Results.Problem(title: "NUL character in the request",
            detail: $"There is a NUL character (\\0) in {where}. Text may not contain it; remove it and send again.",
            statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
    }

    private static async Task<bool> BodyHasNulAsync(HttpContext http)
    {
        var request = http.Request;
        var limit = http.RequestServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value.CheckedBodyKilobytes * 1024;
        if (request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true || request.ContentLength > limit)
            return false;
        // The length may be unknown (a chunked body): read up to the limit, and let a longer body through unchecked.
        request.EnableBuffering();
        var size = (int)(request.ContentLength ?? limit + 1);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var read = 0;
            while (read < size && await request.Body.ReadAsync(buffer.AsMemory(read, size - read), http.RequestAborted) is var n and > 0) read += n;
            request.Body.Position = 0;
            if (read > limit) return false;
            var body = buffer.AsSpan(0, read);
            // JSON writes a NUL as \u0000 (a raw NUL byte is not valid JSON either).
            return body.Contains((byte)0) || body.IndexOf("\\u0000"u8) >= 0;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
