using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Identity;

/// <summary>BatteryMes:Security. Sign-in, sign-off and lockout rules.</summary>
public sealed class SecurityOptions
{
    public const string Section = "BatteryMes:Security";

    /// <summary>The Dashboard may be shown without sign-in (a wall screen). Everything else needs sign-in.</summary>
    public bool AnonymousDashboard { get; set; } = true;

    /// <summary>The person who signs a stage off must not be the only person who recorded its results.</summary>
    public bool RequireSecondPersonSignOff { get; set; } = true;

    /// <summary>A station signs out by itself after this long without a touch, click or key press.</summary>
    public TimeSpan IdleSignOut { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>This many wrong PINs or passwords in a row lock the login for <see cref="LockoutDuration"/>.</summary>
    public int LockoutAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>PBKDF2 iterations for new PIN and password hashes (OWASP's figure for PBKDF2-HMAC-SHA256).</summary>
    public int HashIterations { get; set; } = 600_000;

    /// <summary>Extra host names the app is reached by (a DNS alias such as mes.plant.local), separated by ';'. The
    /// machine's own names and addresses, localhost and the host of PublicBaseUrl are always allowed.</summary>
    public string HostNames { get; set; } = "";

    public IEnumerable<string> HostNameEntries() =>
        HostNames.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

internal sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var errors = new List<string>();
        if (options.IdleSignOut < TimeSpan.FromSeconds(5) || options.IdleSignOut > TimeSpan.FromHours(12))
            errors.Add($"{SecurityOptions.Section}:IdleSignOut must be between 00:00:05 and 12:00:00 (found {options.IdleSignOut}).");
        if (options.LockoutAttempts is < 1 or > 100)
            errors.Add($"{SecurityOptions.Section}:LockoutAttempts must be between 1 and 100 (found {options.LockoutAttempts}).");
        if (options.LockoutDuration < TimeSpan.FromSeconds(1) || options.LockoutDuration > TimeSpan.FromDays(1))
            errors.Add($"{SecurityOptions.Section}:LockoutDuration must be between 00:00:01 and 1.00:00:00 (found {options.LockoutDuration}).");
        if (options.HashIterations is < 10_000 or > 10_000_000)
            errors.Add($"{SecurityOptions.Section}:HashIterations must be between 10000 and 10000000 (found {options.HashIterations}).");
        foreach (var host in options.HostNameEntries().Where(h => Uri.CheckHostName(h.TrimStart('*', '.')) == UriHostNameType.Unknown))
            errors.Add($"{SecurityOptions.Section}:HostNames has '{host}', which is not a host name or address (e.g. mes.plant.local).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
