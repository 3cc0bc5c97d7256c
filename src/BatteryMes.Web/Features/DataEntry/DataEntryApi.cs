using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace BatteryMes.Web.Features.DataEntry;

// The JSON shapes of the data entry API. Results travel as the plant's words ("OK", "NOT OK", "N/A").
public sealed record RouteDto(string Name, IReadOnlyList<RouteStageDto> Stages);
public sealed record RouteStageDto(int Number, string Name, IReadOnlyList<RouteCheckDto> Checks);
public sealed record RouteCheckDto(string Code, string Operation, string Text, string Criterion, LimitsDto? Limits, bool RequiresValue);
public sealed record LimitsDto(double? Min, double? Max, string Unit);
public sealed record CreatePackRequest(string? PackId, string? ModuleXSerial, string? ModuleYSerial);
public sealed record PackDto(string PackId, string? ModuleXSerial, string? ModuleYSerial, string Status, int CurrentStage,
    DateTime CreatedUtc, DateTime? CompletedUtc, IReadOnlyList<PackStageDto> Stages);
public sealed record PackStageDto(int Number, string Name, string Status, DateTime? StartedUtc, DateTime? CompletedUtc, string? BlockedBy);
public sealed record StageDto(string PackId, int Number, string Name, string Status, string ETag, string? Technician, string? QcInspector,
    string? SignedOffBy, string? Remarks, DateTime? StartedUtc, DateTime? CompletedUtc, IReadOnlyList<StageResultDto> Results,
    IReadOnlyList<string> MissingModuleX, IReadOnlyList<string> MissingModuleY, bool CanComplete);
/// <summary><see cref="DeviationX"/>/<see cref="DeviationY"/>: the reason recorded for a result its measured value contradicts.</summary>
public sealed record StageResultDto(string CheckCode, string Text, string Criterion, string? ModuleX, string? ModuleY, double? MeasuredX, double? MeasuredY,
    string? DeviationX, string? DeviationY, string? Remark);
public sealed record SaveStageRequest(string? Technician, string? QcInspector, string? Remarks, IReadOnlyList<SaveResultRequest>? Results);
public sealed record SaveResultRequest(string? CheckCode, string? ModuleX, string? ModuleY, double? MeasuredX, double? MeasuredY,
    string? DeviationX = null, string? DeviationY = null, string? Remark = null);
/// <summary>The signer's PIN or password, given at the moment of signing (the signer is the caller's person).</summary>
public sealed record SignOffRequest(string? Pin, string? Password);
public sealed record ReopenRequest(string? Reason, string? User, string? Pin, string? Password);
/// <summary><see cref="UserLogin"/> is null for a name that was typed before sign-in existed.</summary>
public sealed record HistoryDto(DateTime AtUtc, int? StageNumber, string? CheckCode, string Action, string Field, string? OldValue,
    string? NewValue, string? User, string? UserLogin, string? Client, string? Reason);

/// <summary>The data entry actions over JSON for test equipment and scripts: the same <see cref="PackRecorder"/>,
/// so the same merge, conflict and blocking rules as the page.</summary>
public static class DataEntryApi
{
    public static IEndpointRouteBuilder MapDataEntryApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Data entry").DisableAntiforgery()
            .AddEndpointFilter(Operations.DatabaseFaultAnswers.ApiFilter);
        api.MapGet("/route", GetRoute).WithSummary("The stages (1-8) in route order and their checks with criteria and limits.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapPost("/packs", CreatePack).WithSummary("Registers a pack: 201, or 409 when the ID exists. Operator role.")
            .RequireAuthorization(nameof(Capability.RecordResults));
        api.MapGet("/packs/{packId}", GetPack).WithSummary("The pack, its overall status and each stage's status.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapGet("/packs/{packId}/stages/{stageNumber:int}", GetStage).WithSummary("A stage's checks with recorded values; the ETag header is its version.")
            .RequireAuthorization(nameof(Capability.View));
        api.MapPut("/packs/{packId}/stages/{stageNumber:int}", SaveStage)
            .WithSummary("Saves results as the caller (Operator role). Absent values are left alone. With If-Match (the stage's ETag), 409 with the current values when a field you change was changed since.")
            .RequireAuthorization(nameof(Capability.RecordResults));
        api.MapPost("/packs/{packId}/stages/{stageNumber:int}/complete", CompleteStage)
            .WithSummary("Signs a stage off (QC inspector or Supervisor role): send the caller's \"pin\" or \"password\". Every check needs both results.")
            .RequireAuthorization(nameof(Capability.SignOff));
        api.MapPost("/packs/{packId}/stages/{stageNumber:int}/reopen", ReopenStage)
            .WithSummary("Reopens a completed stage for correction (Supervisor role), with a \"reason\" and the caller's \"pin\" or \"password\".")
            .RequireAuthorization(nameof(Capability.Supervise));
        api.MapGet("/packs/{packId}/history", GetHistory).WithSummary("The pack's audit log, newest first.")
            .RequireAuthorization(nameof(Capability.View));
        return endpoints;
    }

    private static RouteDto GetRoute(ProcessRoute route) =>
        new(route.Name, route.Stages.Select(s => new RouteStageDto(s.Number, s.Name, s.Checks.Select(c =>
            new RouteCheckDto(c.Code, c.Operation, c.Description, c.Criterion, c.Limits is { } l ? new LimitsDto(l.Min, l.Max, l.Unit) : null, c.RequiresValue)).ToList())).ToList());

    private static async Task<IResult> CreatePack(CreatePackRequest? request, PackRecorder recorder, HttpContext http, CancellationToken ct)
    {
        var packId = request?.PackId?.Trim() ?? "";
        var result = await recorder.CreatePackAsync(packId, request?.ModuleXSerial, request?.ModuleYSerial, ActorOf(http), ct);
        if (!result.Succeeded) return Failure(result);
        var pack = await recorder.GetPackAsync(packId, ct);
        return TypedResults.Created($"/api/packs/{Uri.EscapeDataString(pack!.PackId)}", ToDto(pack));
    }

    private static async Task<IResult> GetPack(string packId, PackRecorder recorder, CancellationToken ct) =>
        await recorder.GetPackAsync(packId, ct) is { } pack ? TypedResults.Ok(ToDto(pack)) : NotRegistered(packId);

    private static async Task<IResult> GetStage(string packId, int stageNumber, PackRecorder recorder, ProcessRoute route, HttpContext http, CancellationToken ct)
    {
        if (route.FindStage(stageNumber) is null) return NoSuchStage(route, stageNumber);
        var stage = await recorder.GetStageAsync(packId, stageNumber, ct);
        if (stage is null) return NotRegistered(packId);
        http.Response.Headers.ETag = stage.Baseline.ToETag();
        return TypedResults.Ok(ToDto(stage, route));
    }

    private static async Task<IResult> SaveStage(string packId, int stageNumber, SaveStageRequest? request, PackRecorder recorder, ProcessRoute route,
        HttpContext http, CancellationToken ct)
    {
        if (route.FindStage(stageNumber) is null) return NoSuchStage(route, stageNumber);
        if (request is null) return Problem(StatusCodes.Status400BadRequest, "Empty request", "Send a JSON body with \"results\" (and optionally \"remarks\").");
        if (request.Technician is not null || request.QcInspector is not null)
            return Problem(StatusCodes.Status400BadRequest, "Names are not typed",
                "Leave out \"technician\" and \"qcInspector\": the technician is the person this request signs in as, and the QC inspector is whoever signs the stage off.");
        var inputs = new List<CheckInput>();
        foreach (var r in request.Results ?? [])
        {
            if (r is null) return Problem(StatusCodes.Status400BadRequest, "Invalid result", "A result in \"results\" is null.");
            if (!QcResultText.TryParse(r.ModuleX, out var x) || !QcResultText.TryParse(r.ModuleY, out var y))
                return Problem(StatusCodes.Status400BadRequest, "Invalid result",
                    $"Check {r.CheckCode}: a result is \"OK\", \"NOT OK\" or \"N/A\", or left out to keep the stored value.");
            inputs.Add(new CheckInput(r.CheckCode ?? "", string.IsNullOrWhiteSpace(r.ModuleX) ? null : x, string.IsNullOrWhiteSpace(r.ModuleY) ? null : y,
                r.MeasuredX, r.MeasuredY, r.DeviationX, r.DeviationY, r.Remark));
        }
        StageBaseline? since = null;
        var ifMatch = http.Request.Headers[HeaderNames.IfMatch].ToString();
        if (!string.IsNullOrWhiteSpace(ifMatch) && ifMatch.Trim() != "*")
        {
            if (!StageBaseline.TryParseETag(ifMatch, out var baseline))
                return Problem(StatusCodes.Status400BadRequest, "Invalid If-Match", "If-Match must be the ETag header from GET of this stage, for example \"3-638990000000000000\".");
            since = baseline;
        }
        var save = new StageSave(packId, stageNumber, inputs, request.Remarks, since, ConflictHandling.RejectAll);
        var result = await recorder.SaveStageAsync(save, ActorOf(http), ct);
        if (!result.Succeeded) return Failure(result, route);
        http.Response.Headers.ETag = result.Stage!.Baseline.ToETag();
        return TypedResults.Ok(ToDto(result.Stage, route));
    }

    private static async Task<IResult> CompleteStage(string packId, int stageNumber, SignOffRequest? request, PackRecorder recorder, ProcessRoute route,
        Signatures signatures, HttpContext http, CancellationToken ct)
    {
        if (route.FindStage(stageNumber) is null) return NoSuchStage(route, stageNumber);
        var signature = await signatures.VerifyAsync(http.User.Login(), request?.Pin ?? request?.Password, Capability.SignOff, ct: ct);
        if (!signature.Accepted) return SignatureRefused(signature);
        var result = await recorder.CompleteStageAsync(packId, stageNumber, signature.Signer!.ToActor(ClientOf(http)), ct);
        if (!result.Succeeded) return Failure(result, route);
        http.Response.Headers.ETag = result.Stage!.Baseline.ToETag();
        return TypedResults.Ok(ToDto(result.Stage, route));
    }

    private static async Task<IResult> ReopenStage(string packId, int stageNumber, ReopenRequest? request, PackRecorder recorder, ProcessRoute route,
        Signatures signatures, HttpContext http, CancellationToken ct)
    {
        if (request?.User is not null)
            return Problem(StatusCodes.Status400BadRequest, "Names are not typed", "Leave out \"user\": the reopen is recorded as the person this request signs in as.");
        if (string.IsNullOrWhiteSpace(request?.Reason)) return Problem(StatusCodes.Status400BadRequest, "Reason required", "Give a \"reason\" for reopening a completed stage.");
        var signature = await signatures.VerifyAsync(http.User.Login(), request.Pin ?? request.Password, Capability.Supervise, ct: ct);
        if (!signature.Accepted) return SignatureRefused(signature);
        var result = await recorder.ReopenStageAsync(packId, stageNumber, request.Reason, signature.Signer!.ToActor(ClientOf(http)), ct);
        if (!result.Succeeded) return Failure(result, route);
        http.Response.Headers.ETag = result.Stage!.Baseline.ToETag();
        return TypedResults.Ok(ToDto(result.Stage, route));
    }

    private static async Task<IResult> GetHistory(string packId, PackRecorder recorder, CancellationToken ct)
    {
        if (await recorder.GetPackAsync(packId, ct) is null) return NotRegistered(packId);
        var history = await recorder.GetHistoryAsync(packId, 5000, ct);
        return TypedResults.Ok(history.Select(a => new HistoryDto(a.AtUtc, a.StageNumber, a.CheckCode, a.Action, a.Field, a.OldValue, a.NewValue, a.User, a.UserLogin, a.Client, a.Reason)).ToList());
    }

    private static string? ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>The audit log's "who": the person the request authenticated as (API key or sign-in cookie).</summary>
    private static Actor ActorOf(HttpContext http) => http.User.ToActor(ClientOf(http));

    private static IResult SignatureRefused(SignatureCheck signature) =>
        Problem(StatusCodes.Status403Forbidden, "Signature refused", signature.Message);

    private static IResult Failure(RecordingResult result, ProcessRoute? route = null) => result.Status switch
    {
        RecordingStatus.NotFound => Problem(StatusCodes.Status404NotFound, "Pack not found", result.Message),
        RecordingStatus.AlreadyExists => Problem(StatusCodes.Status409Conflict, "Pack exists", result.Message),
        RecordingStatus.Blocked => Problem(StatusCodes.Status409Conflict, "Stage blocked", result.Message),
        RecordingStatus.NotReady => Problem(StatusCodes.Status409Conflict, "Stage not ready to complete", result.Message),
        RecordingStatus.NotPermitted => Problem(StatusCodes.Status403Forbidden, "Not permitted", result.Message),
        RecordingStatus.SecondPersonRequired => Problem(StatusCodes.Status403Forbidden, "Second person required", result.Message),
        RecordingStatus.Unprocessable => Problem(StatusCodes.Status422UnprocessableEntity, "The result contradicts its evidence", result.Message),
        RecordingStatus.Conflict => ConflictProblem(result, route),
        _ => Problem(StatusCodes.Status400BadRequest, "Invalid request", result.Message),
    };

    /// <summary>409 with the fields in conflict and the stage as it is now (and its ETag), so the client can decide and retry.</summary>
    private static IResult ConflictProblem(RecordingResult result, ProcessRoute? route)
    {
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Conflicting edit",
            Detail = result.Message,
        };
        problem.Extensions["conflicts"] = (result.Conflicts ?? []).Select(c => new { c.CheckCode, c.Field, yours = c.Mine, current = c.Theirs }).ToList();
        if (result.Stage is { } stage && route is not null)
        {
            problem.Extensions["current"] = ToDto(stage, route);
            problem.Extensions["etag"] = stage.Baseline.ToETag();
        }
        return TypedResults.Problem(problem);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);

    private static IResult NotRegistered(string packId) =>
        Problem(StatusCodes.Status404NotFound, "Pack not found", $"Pack {EchoedInput.Display(packId, PackIdentifier.MaxLength)} is not registered. Create it with POST /api/packs.");

    private static IResult NoSuchStage(ProcessRoute route, int stageNumber) =>
        Problem(StatusCodes.Status404NotFound, "Stage not found", $"There is no stage {stageNumber}; the route has stages 1 to {route.StageCount}.");

    private static PackDto ToDto(PackView pack) =>
        new(pack.PackId, pack.ModuleXSerial, pack.ModuleYSerial, pack.Status.ToText(), pack.CurrentStage, pack.CreatedUtc, pack.CompletedUtc,
            pack.Stages.Select(s => new PackStageDto(s.Number, s.Name, s.Status.ToText(), s.StartedUtc, s.CompletedUtc, s.Blocker?.Describe())).ToList());

    internal static StageDto ToDto(StageView stage, ProcessRoute route)
    {
        var definition = route.GetStage(stage.StageNumber);
        var byCode = stage.Entries.ToDictionary(e => e.CheckCode, StringComparer.Ordinal);
        static string? Text(QcResult r) => r.HasValue() ? r.ToText() : null;
        var results = definition.Checks.Select(c =>
        {
            var e = byCode.GetValueOrDefault(c.Code);
            return new StageResultDto(c.Code, c.Description, c.Criterion, Text(e.ModuleX), Text(e.ModuleY), e.MeasuredX, e.MeasuredY, e.DeviationX, e.DeviationY, e.Remark);
        }).ToList();
        return new StageDto(stage.PackId, stage.StageNumber, stage.StageName, stage.Status.ToText(), stage.Baseline.ToETag(), stage.Technician,
            stage.QcInspector, stage.SignedOffBy, stage.Remarks, stage.StartedUtc, stage.CompletedUtc, results,
            StatusRules.MissingChecks(definition, stage.Entries, Module.X), StatusRules.MissingChecks(definition, stage.Entries, Module.Y),
            stage.CompletedUtc is null && stage.Status == StageStatus.ReadyToComplete);
    }
}
