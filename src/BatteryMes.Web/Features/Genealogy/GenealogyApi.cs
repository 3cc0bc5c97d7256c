using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatteryMes.Web.Features.Genealogy;

// The JSON shapes of genealogy: sides are "X" or "Y", kinds "Cell" or "Module", statuses the plant's words.
public sealed record ScanComponentRequest(string? Side, string? Serial, double? VoltageV = null, double? ResistanceMilliOhm = null);
public sealed record ReworkRequest(string? Reason, string? Serial = null);
public sealed record HoldRequest(string? Reason);
public sealed record ComponentPlaceDto(long LinkId, string Kind, string Serial, string PackId, string Side, int? Position, int Stage, string? Lot,
    double? CapacityAh, double? VoltageV, double? ResistanceMilliOhm, string? Source, DateTime LinkedUtc, string LinkedBy,
    DateTime? RemovedUtc, string? RemovedBy, string? RemovedReason, long? ReplacedByLinkId);
public sealed record PackSummaryDto(string PackId, string Status, int CurrentStage, string CurrentStageName, string? HoldReason, DateTime? HeldUtc, string? HeldBy);
public sealed record ScanResultDto(string Outcome, string Message, ComponentPlaceDto? Component);
public sealed record PackComponentsDto(PackSummaryDto Pack, IReadOnlyList<ComponentPlaceDto> Modules, IReadOnlyList<ComponentPlaceDto> Cells, IReadOnlyList<ComponentPlaceDto> Removed);
public sealed record ComponentTraceDto(string Kind, string Serial, string? Lot, double? CapacityAh, double? VoltageV, double? ResistanceMilliOhm, string? Source,
    PackSummaryDto? Pack, ComponentPlaceDto? Current, IReadOnlyList<ComponentPlaceDto> History, IReadOnlyList<ComponentPlaceDto> Cells);
public sealed record LotPackDto(PackSummaryDto Pack, int CellsOfLot);
public sealed record LotTraceDto(string Lot, int CellsInLot, int PackCount, int Page, int PageSize, IReadOnlyList<LotPackDto> Packs);
public sealed record HoldResultDto(string Message, IReadOnlyList<string> PackIds);

/// <summary>Scanning components into packs, rework, trace and recall over JSON.</summary>
public static class GenealogyApi
{
    public static IEndpointRouteBuilder MapGenealogyApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Genealogy").DisableAntiforgery()
            .AddEndpointFilter(Operations.DatabaseFaultAnswers.ApiFilter);
        api.MapPost("/packs/{packId}/stages/{stageNumber:int}/components", ScanAsync)
            .WithSummary("Scans a cell (stage 1) or module (stages 2 and 7) into Module X or Y of the pack as the caller (Operator role). 201 fitted; 200 already there or confirmed; 409 in place elsewhere.")
            .RequireAuthorization(nameof(Capability.RecordResults));
        api.MapGet("/packs/{packId}/components", PackComponentsAsync)
            .WithSummary("The pack's modules and cells in place with their values, and the ones removed in rework.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapPost("/packs/{packId}/components/{linkId:long}/remove", RemoveAsync)
            .WithSummary("Takes a component out of the pack in rework, with a \"reason\" (Supervisor role).")
            .RequireAuthorization(nameof(Capability.Supervise));
        api.MapPost("/packs/{packId}/components/{linkId:long}/replace", ReplaceAsync)
            .WithSummary("Puts the component \"serial\" in the place of another in rework, with a \"reason\" (Supervisor role).")
            .RequireAuthorization(nameof(Capability.Supervise));
        api.MapPost("/packs/{packId}/hold", HoldPackAsync).WithSummary("Puts the pack on hold with a \"reason\" (Supervisor role).")
            .RequireAuthorization(nameof(Capability.Supervise));
        api.MapPost("/packs/{packId}/release", ReleaseAsync).WithSummary("Releases the pack's hold, optionally with a \"reason\" (Supervisor role).")
            .RequireAuthorization(nameof(Capability.Supervise));
        api.MapGet("/holds", OnHoldAsync).WithSummary("Packs on hold, newest hold first.").RequireAuthorization(nameof(Capability.View));
        api.MapGet("/trace/cells/{serial}", CellAsync).WithSummary("A cell, its values, the pack that holds it and every fitting.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapGet("/trace/modules/{serial}", ModuleAsync).WithSummary("A module, the pack that holds it, its cells and every fitting.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapGet("/trace/lots/{lot}", LotAsync).WithSummary("The packs holding a cell of the lot, with status and stage; paged (page, pageSize up to 500).")
            .RequireAuthorization(nameof(Capability.View));
        api.MapGet("/trace/lots/{lot}/packs.csv", LotCsvAsync).WithSummary("The packs holding a cell of the lot as CSV.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapPost("/trace/lots/{lot}/hold", HoldLotAsync).WithSummary("Puts every pack holding a cell of the lot on hold, with a \"reason\" (Supervisor role).")
            .RequireAuthorization(nameof(Capability.Supervise));
        return endpoints;
    }

    private static async Task<IResult> ScanAsync(string packId, int stageNumber, ScanComponentRequest? request, ComponentLinker linker, HttpContext http, CancellationToken ct)
    {
        if (request is null) return Problem(400, "Empty request", "Send a JSON body with \"side\" (\"X\" or \"Y\") and \"serial\".");
        if (!TryParseSide(request.Side, out var side)) return Problem(400, "Invalid side", "\"side\" is \"X\" or \"Y\" (Module X or Module Y).");
        var result = await linker.ScanAsync(new ComponentScan(packId, stageNumber, side, request.Serial, request.VoltageV, request.ResistanceMilliOhm), ActorOf(http), ct);
        return result.Outcome == ScanOutcome.Linked
            ? TypedResults.Created($"/api/packs/{Uri.EscapeDataString(result.Place!.PackId)}/components", ToDto(result))
            : Answer(result);
    }

    private static async Task<IResult> PackComponentsAsync(string packId, TraceQueries trace, CancellationToken ct) =>
        await trace.PackAsync(packId, ct) is { } pack
            ? TypedResults.Ok(new PackComponentsDto(ToDto(pack.Pack), pack.Modules.Select(ToDto).ToList(), pack.Cells.Select(ToDto).ToList(), pack.Removed.Select(ToDto).ToList()))
            : NotRegistered(packId);

    private static async Task<IResult> RemoveAsync(string packId, long linkId, ReworkRequest? request, ComponentLinker linker, HttpContext http, CancellationToken ct)
    {
        if (request?.Serial is not null) return Problem(400, "Use replace", "Removing takes only a \"reason\"; to put another component in its place use .../replace.");
        return Answer(await linker.RemoveAsync(packId, linkId, request?.Reason, ActorOf(http), ct));
    }

    private static async Task<IResult> ReplaceAsync(string packId, long linkId, ReworkRequest? request, ComponentLinker linker, HttpContext http, CancellationToken ct) =>
        Answer(await linker.ReplaceAsync(packId, linkId, request?.Serial, request?.Reason, ActorOf(http), ct));

    private static async Task<IResult> HoldPackAsync(string packId, HoldRequest? request, PackHolds holds, TraceQueries trace, HttpContext http, CancellationToken ct)
    {
        if (await trace.PackAsync(packId, ct) is null) return NotRegistered(packId);
        return HoldAnswer(await holds.HoldAsync([packId], request?.Reason, ActorOf(http), ct));
    }

    private static async Task<IResult> ReleaseAsync(string packId, HoldRequest? request, PackHolds holds, HttpContext http, CancellationToken ct)
    {
        var result = await holds.ReleaseAsync(packId, request?.Reason, ActorOf(http), ct);
        return result.Succeeded || !result.Message.Contains("not registered") ? HoldAnswer(result) : NotRegistered(packId);
    }

    private static async Task<IResult> OnHoldAsync(PackHolds holds, CancellationToken ct) =>
        TypedResults.Ok((await holds.OnHoldAsync(500, ct)).Select(ToDto).ToList());

    private static async Task<IResult> HoldLotAsync(string lot, HoldRequest? request, PackHolds holds, HttpContext http, CancellationToken ct) =>
        HoldAnswer(await holds.HoldLotAsync(lot, request?.Reason, ActorOf(http), ct));

    private static async Task<IResult> CellAsync(string serial, TraceQueries trace, CancellationToken ct)
    {
        if (ComponentSerial.Validate(serial, "cell ID") is { } error) return Problem(400, "Invalid cell ID", error);
        return await trace.CellAsync(serial, ct) is { } cell ? TypedResults.Ok(ToDto(cell))
            : Problem(404, "Cell not found", $"No cell {ComponentSerial.Canonical(serial)} is known: it was neither scanned nor imported.");
    }

    private static async Task<IResult> ModuleAsync(string serial, TraceQueries trace, CancellationToken ct)
    {
        if (ComponentSerial.Validate(serial, "module ID") is { } error) return Problem(400, "Invalid module ID", error);
        return await trace.ModuleAsync(serial, ct) is { } module ? TypedResults.Ok(ToDto(module))
            : Problem(404, "Module not found", $"No module {ComponentSerial.Canonical(serial)} was scanned.");
    }

    private static async Task<IResult> LotAsync(string lot, int? page, int? pageSize, TraceQueries trace, CancellationToken ct)
    {
        if (ComponentSerial.Validate(lot, "lot") is { } error) return Problem(400, "Invalid lot", error);
        if (page is < 1) return Problem(400, "Invalid page", "\"page\" starts at 1.");
        if (pageSize is < 1 or > TraceQueries.MaxPageSize) return Problem(400, "Invalid pageSize", $"\"pageSize\" is 1 to {TraceQueries.MaxPageSize}.");
        var result = await trace.LotAsync(lot, page ?? 1, pageSize ?? 50, ct);
        return TypedResults.Ok(new LotTraceDto(result.Lot, result.CellsInLot, result.PackCount, result.Page, result.PageSize,
            result.Packs.Select(p => new LotPackDto(ToDto(p.Pack), p.CellsOfLot)).ToList()));
    }

    private static async Task<IResult> LotCsvAsync(string lot, LotRecallCsv csv, CancellationToken ct)
    {
        if (ComponentSerial.Validate(lot, "lot") is { } error) return Problem(400, "Invalid lot", error);
        using var buffer = new MemoryStream();
        await csv.WriteAsync(lot, buffer, ct);
        return TypedResults.File(buffer.ToArray(), "text/csv; charset=utf-8", csv.FileName(lot));
    }

    internal static bool TryParseSide(string? text, out Module side)
    {
        side = Module.X;
        switch (text?.Trim().ToUpperInvariant())
        {
            case "X" or "MODULE X": return true;
            case "Y" or "MODULE Y": side = Module.Y; return true;
            default: return false;
        }
    }

    private static IResult Answer(ScanResult result) => result.Outcome switch
    {
        ScanOutcome.Linked or ScanOutcome.Confirmed or ScanOutcome.AlreadyHere => TypedResults.Ok(ToDto(result)),
        ScanOutcome.Refused => Problem(409, "Component in place elsewhere", result.Message, result.Place),
        ScanOutcome.PackNotFound => Problem(404, "Pack not found", result.Message),
        ScanOutcome.NotPermitted => Problem(403, "Not permitted", result.Message),
        _ => Problem(400, "Invalid request", result.Message),
    };

    private static IResult HoldAnswer(HoldResult result) =>
        result.Succeeded ? TypedResults.Ok(new HoldResultDto(result.Message, result.PackIds))
        : result.Message.StartsWith("This needs", StringComparison.Ordinal) ? Problem(403, "Not permitted", result.Message)
        : result.Message.StartsWith("No pack holds", StringComparison.Ordinal) ? Problem(404, "No packs", result.Message)
        : Problem(400, "Invalid request", result.Message);

    private static Actor ActorOf(HttpContext http) => http.User.ToActor(http.Connection.RemoteIpAddress?.ToString());

    private static ProblemHttpResult Problem(int status, string title, string detail, ComponentPlace? place = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: place is null ? null : new Dictionary<string, object?> { ["heldBy"] = new { place.PackId, Side = place.Side.ToString(), place.Position } });

    private static IResult NotRegistered(string packId) =>
        Problem(404, "Pack not found", $"Pack {EchoedInput.Display(packId, PackIdentifier.MaxLength)} is not registered.");

    private static ScanResultDto ToDto(ScanResult r) => new(r.Outcome.ToString(), r.Message, r.Place is null ? null : ToDto(r.Place));

    internal static ComponentPlaceDto ToDto(ComponentPlace p) =>
        new(p.LinkId, ScanSteps.Title(p.Kind), p.Serial, p.PackId, p.Side.ToString(), p.Position, p.StageNumber, p.Lot, p.CapacityAh, p.VoltageV,
            p.ResistanceMilliOhm, p.Source, p.LinkedUtc, p.LinkedBy, p.RemovedUtc, p.RemovedBy, p.RemovedReason, p.ReplacedByLinkId);

    internal static PackSummaryDto ToDto(PackSummary p) => new(p.PackId, p.Status.ToText(), p.CurrentStage, p.CurrentStageName, p.HoldReason, p.HeldUtc, p.HeldBy);

    private static ComponentTraceDto ToDto(ComponentTrace t) =>
        new(ScanSteps.Title(t.Kind), t.Serial, t.Lot, t.CapacityAh, t.VoltageV, t.ResistanceMilliOhm, t.Source, t.Pack is null ? null : ToDto(t.Pack),
            t.Current is null ? null : ToDto(t.Current), t.History.Select(ToDto).ToList(), t.Cells.Select(ToDto).ToList());
}
