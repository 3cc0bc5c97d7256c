using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>BatteryMes:Backups. The backup folder itself is BatteryMes:Folders:Backups.</summary>
public sealed class BackupOptions
{
    public const string Section = "BatteryMes:Backups";

    /// <summary>The most automatic snapshots kept from the recent window (<see cref="RecentHours"/>): every snapshot
    /// younger than the window is kept up to this many, newest first, which bounds the disk a busy line uses. Older
    /// points in time are kept by the hourly, daily and weekly slots (docs/backups-and-restore.md).</summary>
    public int Keep { get; set; } = 30;

    /// <summary>Every automatic snapshot younger than this many hours is kept (at most <see cref="Keep"/> of them).</summary>
    public int RecentHours { get; set; } = 2;

    /// <summary>The last snapshot of each plant-local hour is kept for this many days.</summary>
    public int HourlyDays { get; set; } = 2;

    /// <summary>The last snapshot of each plant-local day is kept for this many days.</summary>
    public int DailyDays { get; set; } = 30;

    /// <summary>The last snapshot of each plant-local week (Monday to Sunday) is kept for this many weeks.</summary>
    public int WeeklyWeeks { get; set; } = 26;

    /// <summary>How many manual backups are kept; the oldest manual one is removed first when a new one is verified.
    /// The safety copies before a restore and the copies before a schema upgrade do not count and are never removed.</summary>
    public int ManualKeep { get; set; } = 20;

    /// <summary>SQLite only: at most one automatic snapshot per this many seconds (0: after every burst of changes).
    /// Changes meanwhile are not dropped: the next snapshot holds them all.</summary>
    public int MinimumSecondsBetweenSnapshots { get; set; } = 5;

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

internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var errors = new List<string>();
        void Range(string setting, long value, long min, long max, string unit)
        {
            if (value < min || value > max)
                errors.Add($"{BackupOptions.Section}:{setting} must be between {min} and {max}{unit} (found {value}).");
        }
        Range(nameof(options.Keep), options.Keep, 1, 10_000, " recent automatic snapshots");
        Range(nameof(options.RecentHours), options.RecentHours, 0, 168, " hours");
        Range(nameof(options.HourlyDays), options.HourlyDays, 0, 90, " days");
        Range(nameof(options.DailyDays), options.DailyDays, 0, 3660, " days");
        Range(nameof(options.WeeklyWeeks), options.WeeklyWeeks, 0, 1040, " weeks");
        Range(nameof(options.ManualKeep), options.ManualKeep, 1, 10_000, " manual backups");
        Range(nameof(options.MinimumSecondsBetweenSnapshots), options.MinimumSecondsBetweenSnapshots, 0, 3600, " seconds");
        Range(nameof(options.PostgresSnapshotIntervalMinutes), options.PostgresSnapshotIntervalMinutes, 0, 1440, " minutes");
        Range(nameof(options.LowDiskWarningMegabytes), options.LowDiskWarningMegabytes, 0, 100_000_000, "");
        Range(nameof(options.MinimumFreeMegabytes), options.MinimumFreeMegabytes, 0, 100_000_000, "");
        Range(nameof(options.FullCheckHours), options.FullCheckHours, 0, 24 * 31, " hours");
        if (!string.IsNullOrWhiteSpace(options.MirrorFolder) && options.MirrorFolder.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            errors.Add($"{BackupOptions.Section}:MirrorFolder '{options.MirrorFolder}' is not a valid folder path.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

