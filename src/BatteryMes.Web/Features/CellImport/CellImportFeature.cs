using System.Text;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.CellImport;

/// <summary>Composition of the cell data import: the page /cells/import and POST /api/cells/import. Importing changes the
/// values of many cells at once, including cells already built into packs (their passports show the new values), so it is a
/// supervisor's action.</summary>
public static class CellImportFeature
{
    public static IServiceCollection AddCellImport(this IServiceCollection services)
    {
        services.AddOptions<CellImportOptions>().BindConfiguration(CellImportOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CellImportOptions>, CellImportOptionsValidator>();
        services.AddSingleton<CellImporter>();
        return services;
    }

    public static IEndpointRouteBuilder MapCellImportEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The file travels as text inside JSON: API writes are JSON only (WebSecurity), so a form on another site cannot post one.
        endpoints.MapPost("/api/cells/import", ImportAsync)
            .WithName("CellImport").WithTags("Cells")
            .WithSummary("Reads a cell data CSV (given as text) and, unless dryRun, imports it: every row in one transaction or none. Supervisor role.")
            .RequireAuthorization(nameof(Capability.Supervise));
        return endpoints;
    }

    private static async Task<IResult> ImportAsync(CellImportRequest request, HttpContext http, CellImporter importer, IOptions<CellImportOptions> options,
        CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Csv))
            return Problem(StatusCodes.Status400BadRequest, "The file is missing", "Send the CSV file's text in 'csv'.", "csv");
        var bytes = Encoding.UTF8.GetByteCount(request.Csv);
        if (bytes > options.Value.MaxFileBytes)
            return Problem(StatusCodes.Status413PayloadTooLarge, "The file is too large",
                $"The file is {bytes:N0} bytes; the limit is {options.Value.MaxFileBytes:N0} ({CellImportOptions.Section}:MaxFileBytes). Split it into smaller files.", "csv");
        Dictionary<CellField, string>? mapping = null;
        if (request.Columns is { Count: > 0 })
        {
            mapping = [];
            foreach (var (key, header) in request.Columns)
            {
                if (!Enum.TryParse<CellField>(key, ignoreCase: true, out var field) || !Enum.IsDefined(field))
                    return Problem(StatusCodes.Status400BadRequest, "Unknown field in the mapping",
                        $"'{EchoedInput.Display(key, 40)}' is not a field; use {string.Join(", ", CellFields.All.Select(Camel))}.", $"columns.{EchoedInput.Display(key, 40)}");
                mapping[field] = header?.Trim() ?? "";
            }
        }
        var fileName = string.IsNullOrWhiteSpace(request.FileName) ? "api upload" : request.FileName.Trim();
        var actor = http.User.ToActor(http.Connection.RemoteIpAddress?.ToString());
        var preview = await importer.RunAsync(fileName, request.Csv, mapping, import: !request.DryRun, actor, ct);
        var body = CellImportResponse.From(preview);
        if (!request.DryRun && !preview.Imported)
            return Results.Problem(title: "The file has errors; nothing was imported",
                detail: $"{preview.File.Errors.Count} error(s), the first in row {preview.File.Errors[0].Row}: {preview.File.Errors[0].Message}",
                statusCode: StatusCodes.Status422UnprocessableEntity,
                extensions: new Dictionary<string, object?> { ["errors"] = body.Errors, ["preview"] = body });
        return Results.Ok(body);
    }

    private static IResult Problem(int status, string title, string detail, string field) =>
        Results.Problem(title: title, detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["field"] = field });

    public static string Camel(CellField field) => char.ToLowerInvariant(field.ToString()[0]) + field.ToString()[1..];
}

/// <param name="Columns">Optional mapping of fields (cellId, lot, capacityAh, voltageV, resistanceMilliOhm) to the file's headers;
/// an empty header leaves the field out; fields not named use the saved mapping or common header names.</param>
public sealed record CellImportRequest(string? FileName, string? Csv, Dictionary<string, string?>? Columns, bool DryRun = false);

public sealed record CellImportResponse(
    string FileName,
    bool Imported,
    string Delimiter,
    IReadOnlyList<string> Headers,
    IReadOnlyDictionary<string, string> Columns,
    int Rows,
    int NewCells,
    int UpdatedCells,
    int UnchangedCells,
    IReadOnlyList<CellRowError> Errors)
{
    public static CellImportResponse From(CellImportPreview p) => new(p.FileName, p.Imported, p.File.Delimiter, p.File.Headers,
        p.File.Columns.ToDictionary(c => CellImportFeature.Camel(c.Key), c => c.Value), p.File.DataRows, p.NewCells, p.UpdatedCells,
        p.UnchangedCells, p.File.Errors);
}
