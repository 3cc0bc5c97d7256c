using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>Composition of the Backups feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class BackupsFeature
{

    public static IServiceCollection AddBackups(this IServiceCollection services)
    {
        services.AddBackupServices();
        services.AddHostedService(sp => sp.GetRequiredService<AutomaticSnapshots>());
        return services;
    }

    /// <summary>Everything but the hosted service (the command-line restore uses this too).</summary>
    internal static IServiceCollection AddBackupServices(this IServiceCollection services)
    {
        services.AddOptions<BackupOptions>().BindConfiguration(BackupOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();
        services.TryAddSingleton<PlantClock>();
        services.AddSingleton<BackupCatalog>();
        services.AddSingleton<BackupService>();
        services.AddSingleton<DatabaseRestorer>();
        services.AddSingleton<PointInTime>();
        services.AddSingleton<AutomaticSnapshots>();
        // Replaces the foundation's SQLite-only copy: PostgreSQL gets a portable snapshot before an upgrade too.
        services.Replace(ServiceDescriptor.Singleton<IPreMigrationBackup, PreMigrationSnapshot>());
        return services;
    }

    public static IEndpointRouteBuilder MapBackupsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/backups").WithTags("Backups");

        api.MapGet("", (BackupCatalog catalog) => catalog.List().Select(BackupListing.From))
            .WithSummary("Backup history, newest first.").RequireAuthorization(nameof(Capability.Administer));

        api.MapGet("/status", async (BackupService backups, TimeProvider time, CancellationToken ct) =>
        {
            var storage = await backups.GetStorageAsync(ct);
            var now = time.GetUtcNow().UtcDateTime;
            return new
            {
                storage.BackupFolder,
                storage.MirrorFolder,
                Provider = storage.Provider.ToString(),
                storage.LiveDatabaseBytes,
                storage.FreeBytes,
                storage.DiskWarning,
                backups.LastProblem,
                backups.MirrorProblem,
                backups.FolderNotice,
                backups.LastSnapshotUtc,
                NewestVerified = storage.NewestVerified is { } newest
                    ? new { newest.Name, newest.CreatedUtc, newest.Trigger, AgeSeconds = Math.Max(0, Math.Round((now - newest.CreatedUtc).TotalSeconds, 1)) }
                    : null,
                storage.Coverage,
                storage.PlanSnapshots,
                storage.PlanBytes,
                storage.BackupBytes,
                storage.PlanWarning,
            };
        }).WithSummary("Live database size, free space, the newest verified backup and its age, what the kept backups cover, and current warnings.").RequireAuthorization(nameof(Capability.View));

        api.MapGet("/point-in-time", async (string? at, PointInTime pointInTime, CancellationToken ct) =>
        {
            if (!DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var when))
                return Results.Problem($"'at' must be a date and time such as 2026-11-25T14:00:00Z (UTC, or with an offset such as +01:00); found '{at}'.",
                    statusCode: StatusCodes.Status400BadRequest, title: "No point in time given");
            var choice = await pointInTime.ChooseAsync(when.UtcDateTime, ct);
            return Results.Ok(new
            {
                choice.AtUtc,
                Snapshot = choice.Snapshot is { } s ? BackupListing.From(s) : null,
                SavesLost = choice.Lost.Saves,
                PacksAffected = choice.Lost.Packs,
                LostByAction = choice.Lost.ByAction,
                FirstLostUtc = choice.Lost.FirstUtc,
                LastLostUtc = choice.Lost.LastUtc,
                choice.Message,
            });
        }).WithSummary("The backup a restore to this time would use (the newest verified one at or before it) and the saves after it that would be undone. " +
            "Restore it with POST /api/backups/{name}/restore.").RequireAuthorization(nameof(Capability.Administer));

        api.MapPost("", async (BackupService backups, CancellationToken ct) =>
        {
            var result = await backups.CreateManualAsync(ct);
            if (result.Succeeded) return Results.Created($"/api/backups/{result.Entry!.Name}", BackupListing.From(result.Entry));
            return result.Refusal switch
            {
                SnapshotRefusal.Busy => Results.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "A backup is already running"),
                SnapshotRefusal.NoSpace => Results.Problem(result.Message, statusCode: StatusCodes.Status507InsufficientStorage, title: "Not enough free space for a backup"),
                _ => Results.Problem(result.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The backup was not made"),
            };
        }).WithSummary("Create a manual backup now (kept apart from the automatic snapshots, within the manual quota).").RequireAuthorization(nameof(Capability.Administer));

        // A catch-all, so that names with slashes or dots also reach the listing check (and get 404), never the disk.
        api.MapGet("/{**name}", async (string name, BackupCatalog catalog, HttpContext http, IDbContextFactory<MesDbContext> contexts, TimeProvider time, CancellationToken ct) =>
        {
            if (catalog.Find(name) is not { } entry) return Results.NotFound();
            // A copy of the whole database leaves the server: the audit log says who took it.
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                db.AuditLog.Add(Identity.PersonClaims.ToActor(http.User, http.Connection.RemoteIpAddress?.ToString())
                    .Audit(time.GetUtcNow().UtcDateTime, "", "Download", "Backup", newValue: entry.Name));
                await db.SaveChangesAsync(ct);
            }
            return Results.File(entry.FilePath, "application/vnd.sqlite3", entry.Name, enableRangeProcessing: true);
        }).WithSummary("Download one listed backup file (recorded in the audit log).").RequireAuthorization(nameof(Capability.Administer))
            .RequireRateLimiting(Operations.RequestGuards.HeavyPolicy);

        api.MapPost("/{name}/restore", async (string name, RestoreRequest? request, HttpContext http, DatabaseRestorer restorer, CancellationToken ct) =>
        {
            var result = await restorer.RestoreAsync(name, Identity.PersonClaims.Login(http.User), request?.Password, http.Connection.RemoteIpAddress?.ToString(), ct);
            return result.Status switch
            {
                RestoreStatus.Restored => Results.Ok(new { result.Message, result.SafetySnapshot }),
                RestoreStatus.NotFound => Results.NotFound(),
                RestoreStatus.SignatureRefused => Results.Problem(result.Message, statusCode: StatusCodes.Status403Forbidden, title: "Signature refused"),
                RestoreStatus.Busy => Results.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "A restore is running"),
                RestoreStatus.Refused => Results.Problem(result.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The backup was refused"),
                _ => Results.Problem(result.Message, statusCode: StatusCodes.Status500InternalServerError, title: "The restore failed"),
            };
        }).WithSummary("Restore a listed backup (Admin role), signed with the caller's own password: {\"password\": \"...\"}.").RequireAuthorization(nameof(Capability.Administer));

        return endpoints;
    }
}

/// <summary>The restoring admin's own password: the restore is signed with it.</summary>
public sealed record RestoreRequest(string? Password);

/// <summary>A backup as the HTTP API shows it (no server paths).</summary>
/// <remarks>Verifying: written, check still running. Check: integrity_check or quick_check. CopySeconds and
/// VerifySeconds: how long the copy and the check (with the flush to disk) took.</remarks>
public sealed record BackupListing(string Name, DateTime CreatedUtc, string Trigger, bool Manual, long SizeBytes, bool Verified, string? Problem,
    IReadOnlyDictionary<string, long> RowCounts, string? SourceProvider, bool Verifying, string? Check, double? CopySeconds, double? VerifySeconds)
{
    public static BackupListing From(BackupEntry e) =>
        new(e.Name, e.CreatedUtc, e.Trigger, e.KeptApart, e.SizeBytes, e.Verified, e.Problem, e.RowCounts, e.SourceProvider,
            e.Verifying, e.Check, e.CopySeconds, e.VerifySeconds);
}
