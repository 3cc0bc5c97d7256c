using BatteryMes.Web.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>Composition of the Backups feature: its services and its HTTP endpoints. Program.cs calls these two only.</summary>
public static class BackupsFeature
{
    public const string PasswordHeader = "X-Admin-Password";

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
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddSingleton<BackupCatalog>();
        services.AddSingleton<BackupService>();
        services.AddSingleton<DatabaseRestorer>();
        services.AddSingleton<AutomaticSnapshots>();
        // Replaces the foundation's SQLite-only copy: PostgreSQL gets a portable snapshot before an upgrade too.
        services.Replace(ServiceDescriptor.Singleton<IPreMigrationBackup, PreMigrationSnapshot>());
        return services;
    }

    public static IEndpointRouteBuilder MapBackupsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/backups").WithTags("Backups");

        api.MapGet("", (BackupCatalog catalog) => catalog.List().Select(BackupListing.From))
            .WithSummary("Backup history, newest first.");

        api.MapGet("/status", async (BackupService backups, DatabaseRestorer restorer, CancellationToken ct) =>
        {
            var storage = await backups.GetStorageAsync(ct);
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
                RestoreEnabled = restorer.IsEnabled,
            };
        }).WithSummary("Live database size, free space at the backup folder, and current warnings.");

        api.MapPost("", async (BackupService backups, CancellationToken ct) =>
        {
            var result = await backups.CreateAsync(BackupTrigger.Manual, 0, ct);
            return result.Succeeded
                ? Results.Created($"/api/backups/{result.Entry!.Name}", BackupListing.From(result.Entry))
                : Results.Problem(result.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The backup was not made");
        }).WithSummary("Create a manual backup now (kept apart from the rotation).");

        // A catch-all, so that names with slashes or dots also reach the listing check (and get 404), never the disk.
        api.MapGet("/{**name}", (string name, BackupCatalog catalog) =>
            catalog.Find(name) is { } entry
                ? Results.File(entry.FilePath, "application/vnd.sqlite3", entry.Name, enableRangeProcessing: true)
                : Results.NotFound()).WithSummary("Download one listed backup file.")
            .RequireRateLimiting(Operations.RequestGuards.HeavyPolicy);

        api.MapPost("/{name}/restore", async (string name, HttpContext http, DatabaseRestorer restorer, CancellationToken ct) =>
        {
            var password = http.Request.Headers[PasswordHeader].ToString();
            var result = await restorer.RestoreAsync(name, password, $"api:{http.Connection.RemoteIpAddress}", ct);
            return result.Status switch
            {
                RestoreStatus.Restored => Results.Ok(new { result.Message, result.SafetySnapshot }),
                RestoreStatus.NotFound => Results.NotFound(),
                RestoreStatus.Disabled => Results.Problem(result.Message, statusCode: StatusCodes.Status403Forbidden, title: "Restore is disabled"),
                RestoreStatus.WrongPassword => Results.Problem(result.Message, statusCode: StatusCodes.Status401Unauthorized, title: "Admin password required"),
                RestoreStatus.Busy => Results.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "A restore is running"),
                RestoreStatus.Refused => Results.Problem(result.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The backup was refused"),
                _ => Results.Problem(result.Message, statusCode: StatusCodes.Status500InternalServerError, title: "The restore failed"),
            };
        }).WithSummary($"Restore a listed backup; needs the admin password in the {PasswordHeader} header.");

        return endpoints;
    }
}

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
