using BatteryMes.Web.Domain;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

/// <summary>Composition of the Reports feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class ReportsFeature
{
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.AddOptions<ReportsOptions>().BindConfiguration(ReportsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportsOptions>, ReportsOptionsValidator>();
        services.AddHostedService<FormTemplateStartupCheck>();
        return services.AddReportWriters();
    }

    /// <summary>The report services without options binding or start-up check (tests and benchmarks supply the options).</summary>
    public static IServiceCollection AddReportWriters(this IServiceCollection services)
    {
        services.AddSingleton<FormTemplateStore>();
        services.AddSingleton<PackReportReader>();
        services.AddSingleton<PackSheetFiller>();
        services.AddSingleton<ReportCopies>();
        services.AddSingleton<PackFormWriter>();
        services.AddSingleton<MasterWorkbookWriter>();
        services.AddSingleton<ResultsCsvWriter>();
        return services;
    }

    public static IEndpointRouteBuilder MapReportsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/packs/{packId}/report.xlsx", PackFormAsync).WithName("PackForm").WithTags("Reports").RequireAuthorization(nameof(Capability.View));
        endpoints.MapGet("/api/reports/master.xlsx", Master).WithName("MasterWorkbook").WithTags("Reports").RequireAuthorization(nameof(Capability.View))
            .RequireRateLimiting(Operations.RequestGuards.HeavyPolicy);
        endpoints.MapGet("/api/reports/results.csv", ResultsCsv).WithName("ResultsCsv").WithTags("Reports").RequireAuthorization(nameof(Capability.View))
            .RequireRateLimiting(Operations.RequestGuards.HeavyPolicy);
        return endpoints;
    }

    private static async Task<IResult> PackFormAsync(string packId, PackFormWriter writer, CancellationToken ct)
    {
        // Build into memory first: a missing pack or template must still get a ProblemDetails answer, not half a file.
        using var buffer = new MemoryStream();
        var result = await writer.WriteAsync(packId, buffer, ct);
        return result.Outcome switch
        {
            ReportOutcome.PackNotFound => Results.Problem(title: "Pack not found", detail: result.Message, statusCode: StatusCodes.Status404NotFound),
            ReportOutcome.TemplateUnavailable => Results.Problem(title: "Excel form template not available", detail: result.Message,
                statusCode: StatusCodes.Status503ServiceUnavailable, extensions: ProblemList(result)),
            ReportOutcome.TemplateHidesResults => Results.Problem(title: "The Excel form template would hide results", detail: result.Message,
                statusCode: StatusCodes.Status503ServiceUnavailable, extensions: ProblemList(result)),
            _ => Results.File(buffer.ToArray(), XlsxContentType, result.FileName),
        };
    }

    private static Dictionary<string, object?> ProblemList(ReportResult result) => new() { ["problems"] = result.Problems ?? [] };

    private static IResult Master(HttpContext http, MasterWorkbookWriter writer, ProcessRoute route)
    {
        if (!TryReadFilter(http.Request.Query, route, out var filter, out var problem)) return problem!;
        return new StreamedFile(XlsxContentType, writer.FileName(), (stream, token) => writer.WriteAsync(filter, stream, token));
    }

    private static IResult ResultsCsv(HttpContext http, ResultsCsvWriter writer, ProcessRoute route)
    {
        if (!TryReadFilter(http.Request.Query, route, out var filter, out var problem)) return problem!;
        return new StreamedFile("text/csv; charset=utf-8", writer.FileName(), (stream, token) => writer.WriteAsync(filter, stream, token));
    }

    private static bool TryReadFilter(IQueryCollection query, ProcessRoute route, out PackFilter filter, out IResult? problem)
    {
        if (PackFilter.TryParse(query["q"], query["status"], query["stage"], query["technician"], query["from"], query["to"], route, out filter, out var error))
        {
            problem = null;
            return true;
        }
        problem = Results.Problem(title: "The search is not valid", detail: error, statusCode: StatusCodes.Status400BadRequest);
        return false;
    }

    /// <summary>Writes a download straight into the response body, with the file name in Content-Disposition.</summary>
    private sealed class StreamedFile(string contentType, string fileName, Func<Stream, CancellationToken, Task> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = contentType;
            http.Response.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("attachment")
            {
                FileNameStar = fileName,
                FileName = fileName,
            }.ToString();
            await write(http.Response.Body, http.RequestAborted);
        }
    }
}
