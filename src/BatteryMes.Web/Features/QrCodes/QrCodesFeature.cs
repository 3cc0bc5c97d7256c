using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Operations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>Composition of the QrCodes feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class QrCodesFeature
{
    public static IServiceCollection AddQrCodes(this IServiceCollection services)
    {
        services.AddSingleton<QrDecoder>();
        services.AddOptions<QrCodesOptions>().BindConfiguration(QrCodesOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QrCodesOptions>, QrCodesOptionsValidator>();
        services.AddSingleton<LabelBatchService>();
        services.AddHostedService<LabelStagingCleanup>();
        return services;
    }

    public static IEndpointRouteBuilder MapQrCodesEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/qr").WithTags("QR labels").RequireAuthorization(nameof(Capability.PrintLabels));

        // Returns the ZIP of the batch; 409 lists the duplicates unless skipDuplicates; 400 says what is wrong.
        api.MapPost("/batches", async (LabelBatchRequest request, HttpRequest http, LabelBatchService labels, CancellationToken ct) =>
        {
            var result = await labels.GenerateAsync(request, RequestBaseUrl(http), ct);
            return result.Outcome switch
            {
                LabelBatchOutcome.Generated => BatchZip(http, result.Batch!),
                LabelBatchOutcome.Busy => RequestGuards.Busy(http.HttpContext, "Label generator busy", result.Message),
                LabelBatchOutcome.Duplicates or LabelBatchOutcome.NothingToGenerate => Results.Problem(
                    title: "Duplicate pack IDs", detail: result.Message, statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["duplicates"] = result.Plan.Duplicates }),
                _ => Results.Problem(title: "The batch cannot be generated", detail: result.Message, statusCode: StatusCodes.Status400BadRequest,
                    extensions: new Dictionary<string, object?> { ["errors"] = result.Plan.Errors }),
            };
        }).DisableAntiforgery().RequireRateLimiting(RequestGuards.HeavyPolicy);

        api.MapGet("/next-start", async (string? prefix, LabelBatchService labels, CancellationToken ct) =>
        {
            var next = await labels.NextNumberAsync(prefix, ct);
            return Results.Ok(new { prefix = prefix ?? "", start = next.Start, highestId = next.HighestId });
        });

        api.MapGet("/batches/{batchId}/zip", async (string batchId, LabelBatchService labels, CancellationToken ct) =>
            await labels.ReadBatchAsync(batchId, ct) is { } batch && await labels.BatchFileAsync(batchId, batch.ZipFileName, ct) is { } path
                ? Results.File(path, "application/zip", batch.ZipFileName)
                : NotFound(batchId));

        api.MapGet("/batches/{batchId}/files/{fileName}", async (string batchId, string fileName, LabelBatchService labels, CancellationToken ct) =>
            await labels.BatchFileAsync(batchId, fileName, ct) is { } path
                ? Results.File(path, fileName.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image/png" : "text/html")
                : NotFound(batchId));

        return endpoints;
    }

    /// <summary>The scheme and host the caller reached the app at: the base URL of last resort for label links.</summary>
    public static string RequestBaseUrl(HttpRequest http) => $"{http.Scheme}://{http.Host}{http.PathBase}";

    public static string FileUrl(string batchId, string fileName) => $"/api/qr/batches/{batchId}/files/{Uri.EscapeDataString(fileName)}";

    private static IResult BatchZip(HttpRequest http, GeneratedBatch batch)
    {
        http.HttpContext.Response.Headers["X-Batch-Id"] = batch.BatchId;
        http.HttpContext.Response.Headers["X-Labels-Skipped"] = batch.Skipped.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Streamed from the saved file: the archive is never held in memory.
        return Results.File(batch.ZipPath, "application/zip", batch.ZipFileName);
    }

    private static IResult NotFound(string batchId) =>
        Results.Problem(title: "No such label batch", detail: $"There is no saved label batch '{EchoedInput.Display(batchId, 60)}'.", statusCode: StatusCodes.Status404NotFound);
}
