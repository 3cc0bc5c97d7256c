using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>BatteryMes:Dashboard.</summary>
public sealed class DashboardOptions
{
    public const string Section = "BatteryMes:Dashboard";

    /// <summary>After a change, an open dashboard waits this long before it reads again, so a burst of saves costs
    /// one read per panel instead of one per save.</summary>
    public int RefreshDelayMilliseconds { get; set; } = 500;

    /// <summary>Packs per tracker page when the dashboard opens.</summary>
    public int TrackerPageSize { get; set; } = 25;

    /// <summary>The plant's working days, e.g. "Mon,Tue,Wed,Thu,Fri": the daily target counts on these days only.
    /// Every day when not set.</summary>
    public string WorkingDays { get; set; } = "Mon,Tue,Wed,Thu,Fri,Sat,Sun";
}

internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var errors = new List<string>();
        if (options.RefreshDelayMilliseconds is < 50 or > 60_000)
            errors.Add($"{DashboardOptions.Section}:RefreshDelayMilliseconds must be between 50 and 60000 (found {options.RefreshDelayMilliseconds}).");
        if (options.TrackerPageSize is < 5 or > DashboardQueries.MaxPageSize)
            errors.Add($"{DashboardOptions.Section}:TrackerPageSize must be between 5 and {DashboardQueries.MaxPageSize} (found {options.TrackerPageSize}).");
        if (PlantCalendar.TryParse(options.WorkingDays, out _) is { } daysError)
            errors.Add($"{DashboardOptions.Section}:WorkingDays {daysError}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
