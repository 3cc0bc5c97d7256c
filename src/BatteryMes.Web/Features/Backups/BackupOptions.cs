using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>BatteryMes:Backups. The backup folder itself is BatteryMes:Folders:Backups.</summary>
public sealed class BackupOptions
{
    public const string Section = "BatteryMes:Backups";

    /// <summary>How many automatic snapshots to keep; manual ones are never rotated away.</summary>
    public int Keep { get; set; } = 30;

    /// <summary>A second folder (network share, USB disk) that receives a copy of each verified snapshot. Empty: none.</summary>
    public string MirrorFolder { get; set; } = "";

    /// <summary>PostgreSQL only: at most one automatic snapshot per this many minutes (0: after every change).</summary>
    public int PostgresSnapshotIntervalMinutes { get; set; } = 15;

    /// <summary>Below this much free space at the backup folder the Backups tab shows a warning.</summary>
    public long LowDiskWarningMegabytes { get; set; } = 1024;

    /// <summary>A snapshot is not started when it would leave less than this much free space at the backup folder
    /// (its size is taken as the live database's size). 0: only a really full disk stops it.</summary>
    public long MinimumFreeMegabytes { get; set; } = 512;

    /// <summary>Automatic snapshots get the full integrity_check at least this often (and the first one after the app
    /// starts); in between they get quick_check. Manual, safety and pre-migration backups always get the full check.
    /// 0: the full check every time.</summary>
    public int FullCheckHours { get; set; } = 24;
}

/// <summary>BatteryMes:Admin. Restoring a backup needs this password.</summary>
public sealed class AdminOptions
{
    public const string Section = "BatteryMes:Admin";

    /// <summary>An <see cref="AdminPassword"/> hash (make one with `dotnet BatteryMes.dll hash-password`). Empty: restore is disabled.</summary>
    public string PasswordHash { get; set; } = "";
}

internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var errors = new List<string>();
        if (options.Keep is < 1 or > 10_000)
            errors.Add($"{BackupOptions.Section}:Keep must be between 1 and 10000 automatic snapshots (found {options.Keep}).");
        if (options.PostgresSnapshotIntervalMinutes is < 0 or > 1440)
            errors.Add($"{BackupOptions.Section}:PostgresSnapshotIntervalMinutes must be between 0 and 1440 minutes (found {options.PostgresSnapshotIntervalMinutes}).");
        if (options.LowDiskWarningMegabytes is < 0 or > 100_000_000)
            errors.Add($"{BackupOptions.Section}:LowDiskWarningMegabytes must be between 0 and 100000000 (found {options.LowDiskWarningMegabytes}).");
        if (options.MinimumFreeMegabytes is < 0 or > 100_000_000)
            errors.Add($"{BackupOptions.Section}:MinimumFreeMegabytes must be between 0 and 100000000 (found {options.MinimumFreeMegabytes}).");
        if (options.FullCheckHours is < 0 or > 24 * 31)
            errors.Add($"{BackupOptions.Section}:FullCheckHours must be between 0 and 744 hours (found {options.FullCheckHours}).");
        if (!string.IsNullOrWhiteSpace(options.MirrorFolder) && options.MirrorFolder.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            errors.Add($"{BackupOptions.Section}:MirrorFolder '{options.MirrorFolder}' is not a valid folder path.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        string.IsNullOrWhiteSpace(options.PasswordHash) || AdminPassword.IsWellFormed(options.PasswordHash)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{AdminOptions.Section}:PasswordHash is not a password hash Battery MES can read (expected '{AdminPassword.Format}'). " +
                "Make one with: dotnet BatteryMes.dll hash-password  (or leave it empty to disable restore).");
}
