using System.Text.Json;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Passport;

/// <summary>Composition of the battery passport: the model file, the passport export, its JSON Schema, and the public
/// summary that an anonymous visitor of a pack's label URL sees when the plant allows it.</summary>
public static class PassportFeature
{
    public const string SchemaResource = "BatteryMes.Passport.schema.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IServiceCollection AddPassport(this IServiceCollection services)
    {
        services.AddOptions<PassportOptions>().BindConfiguration(PassportOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PassportOptions>, PassportOptionsValidator>();
        services.AddSingleton<PackModelStore>();
        services.AddSingleton<PassportBuilder>();
        services.AddSingleton<PublicSummaryReader>();
        return services;
    }

    /// <summary>The passport's JSON Schema (draft 2020-12), as shipped inside the app.</summary>
    public static string SchemaText()
    {
        using var stream = typeof(PassportFeature).Assembly.GetManifestResourceStream(SchemaResource)
            ?? throw new InvalidOperationException($"The resource {SchemaResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static IEndpointRouteBuilder MapPassportEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/packs/{packId}/passport.json", async (string packId, PassportBuilder builder, CancellationToken ct) =>
            {
                var reading = PackIdentifier.ReadScan(packId);
                if (!reading.IsValid)
                    return Results.Problem(title: "The pack ID is not valid", detail: reading.Error, statusCode: StatusCodes.Status400BadRequest,
                        extensions: new Dictionary<string, object?> { ["field"] = "packId" });
                var passport = await builder.BuildAsync(reading.PackId!, ct);
                if (passport is null)
                    return Results.Problem(title: "Pack not found", detail: $"Pack {reading.PackId} was not found.", statusCode: StatusCodes.Status404NotFound);
                return Results.Json(passport, Json, "application/json; charset=utf-8");
            })
            .WithName("PackPassport").WithTags("Passport")
            .WithSummary("The manufacturing part of the pack's battery passport (schema: /api/schemas/passport.json). Any signed-in person.")
            .RequireAuthorization(nameof(Capability.View));

        var schema = SchemaText();
        endpoints.MapGet("/api/schemas/passport.json", () => Results.Text(schema, "application/schema+json; charset=utf-8"))
            .WithName("PassportSchema").WithTags("Passport").WithSummary("The JSON Schema (draft 2020-12) of the passport record. No sign-in needed.")
            .AllowAnonymous();
        return endpoints;
    }

    /// <summary>Labels encode http(s)://host/entry/{packId}. With the public summary on, a visitor who is not signed in is
    /// sent from that URL to /p/{packId} (model, date, status words); signed-in people keep the entry page. With it off,
    /// /p/{packId} leads to the entry page, which asks for sign-in as before. Runs after authentication, before authorization.</summary>
    public static IApplicationBuilder UsePublicPassportSummary(this IApplicationBuilder app)
    {
        app.Use(async (http, next) =>
        {
            if (HttpMethods.IsGet(http.Request.Method) && TryPackOf(http.Request.Path, out var prefix, out var packId))
            {
                var on = http.RequestServices.GetRequiredService<IOptionsMonitor<PassportOptions>>().CurrentValue.PublicSummary;
                var signedIn = http.User.IsSignedIn();
                var escaped = Uri.EscapeDataString(packId);
                if (prefix == "entry" && on && !signedIn)
                {
                    http.Response.Redirect($"/p/{escaped}");
                    return;
                }
                if (prefix == "p" && (signedIn || !on))
                {
                    http.Response.Redirect($"/entry/{escaped}");
                    return;
                }
            }
            await next(http);
        });
        return app;
    }

    private static bool TryPackOf(PathString path, out string prefix, out string packId)
    {
        prefix = packId = "";
        var segments = (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length != 2) return false;
        prefix = segments[0].ToLowerInvariant();
        if (prefix is not ("entry" or "p")) return false;
        packId = Uri.UnescapeDataString(segments[1]);
        return true;
    }
}

/// <summary>What anyone may see of a pack: its ID, model, date of manufacture and status in words. Never QC details.</summary>
public sealed record PublicSummary(string PackId, string? ModelIdentifier, string? Manufacturer, DateTime? ManufacturingDateUtc, string StatusWords);

public sealed class PublicSummaryReader(IDbContextFactory<MesDbContext> contexts, PackModelStore models, ProcessRoute route)
{
    public async Task<PublicSummary?> ReadAsync(string packId, CancellationToken ct = default)
    {
        if (!PackIdentifier.IsValid(packId?.Trim())) return null;
        var id = PackIdentifier.Canonical(packId!);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.AsNoTracking().Where(p => p.PackId == id)
            .Select(p => new
            {
                p.PackId, p.Status, p.HoldReason, p.CompletedUtc,
                LastCompleted = p.Stages.Where(s => s.StageNumber == route.LastStage.Number).Select(s => s.CompletedUtc).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (pack is null) return null;
        var words = pack.HoldReason is not null ? "On hold"
            : pack.Status == PackStatus.ReadyForDispatch ? "Manufactured and passed end-of-line checks"
            : "In production";
        var date = pack.Status == PackStatus.ReadyForDispatch ? pack.LastCompleted ?? pack.CompletedUtc : null;
        var model = models.Current;
        return new PublicSummary(pack.PackId, model.ModelIdentifier, model.ManufacturerInformation?.ContactName,
            date is { } d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : null, words);
    }
}
