using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Configuration;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
}

/// <summary>BatteryMes:Database. SQLite is the embedded default; PostgreSQL is the same app with another connection string.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "BatteryMes:Database";
    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);
    public string ConnectionString { get; set; } = "Data Source=data/battery_mes.db";

    /// <summary>How long a SQLite writer waits for another writer before giving up (milliseconds).</summary>
    public int BusyTimeoutMilliseconds { get; set; } = 15000;

    public DatabaseProvider ProviderKind => TryParseProvider(Provider, out var kind)
        ? kind
        : throw new InvalidOperationException($"{Section}:Provider must be 'Sqlite' or 'PostgreSQL' (found '{Provider}').");

    public static bool TryParseProvider(string? text, out DatabaseProvider provider)
    {
        if (Enum.TryParse(text, ignoreCase: true, out provider) && Enum.IsDefined(provider)) return true;
        provider = DatabaseProvider.PostgreSQL;
        return string.Equals(text, "Postgres", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "Npgsql", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>BatteryMes:Folders. Relative paths are taken from the installation folder.</summary>
public sealed class FolderOptions
{
    public const string Section = "BatteryMes:Folders";
    public string Backups { get; set; } = "backups";
    public string ExcelReports { get; set; } = "excel_reports";
    public string QrCodes { get; set; } = "qr_codes";
    public string Logs { get; set; } = "logs";
}

/// <summary>BatteryMes:Route. The process route file (stages and checks).</summary>
public sealed class ProcessRouteOptions
{
    public const string Section = "BatteryMes:Route";
    public string File { get; set; } = "templates/route.json";
}

/// <summary>BatteryMes:Server. Where the app listens and the address people reach it at.</summary>
public sealed class ServerOptions
{
    public const string Section = "BatteryMes:Server";

    /// <summary>Addresses to listen on, separated by ';'. 0.0.0.0 means every network interface.</summary>
    public string Urls { get; set; } = "http://0.0.0.0:8501";

    /// <summary>The address shop-floor devices use to reach the app (QR labels encode it). Empty: taken from the request.</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>The plant's time zone for display (IANA or Windows id). Empty: the server's local zone.</summary>
    public string TimeZone { get; set; } = "";

    /// <summary>Reverse proxies (nginx, IIS) in front of the app: IP addresses or networks (10.0.0.0/24), separated by ';'
    /// or ','. Only a request that arrives from one of them has its X-Forwarded-For / X-Forwarded-Proto believed (the
    /// audit log then records the client's address, not the proxy's). Empty: those headers are ignored.</summary>
    public string TrustedProxies { get; set; } = "";

    public IEnumerable<string> TrustedProxyEntries() =>
        TrustedProxies.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>One address (a network of one) or a network in CIDR form. IPv4 addresses must have four parts: .NET
    /// alone would read "8501" (a port typed by mistake) as the address 0.0.33.53.</summary>
    public static bool TryParseProxy(string entry, out IPNetwork network)
    {
        network = default;
        var address = entry.Split('/')[0];
        if (!address.Contains(':') && address.Count(c => c == '.') != 3) return false;
        if (!entry.Contains('/'))
        {
            if (!IPAddress.TryParse(entry, out var single)) return false;
            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(entry, out network);
    }
}

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        if (!DatabaseOptions.TryParseProvider(options.Provider, out _))
            errors.Add($"{DatabaseOptions.Section}:Provider must be 'Sqlite' or 'PostgreSQL' (found '{options.Provider}').");
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            errors.Add($"{DatabaseOptions.Section}:ConnectionString is empty. For SQLite use e.g. 'Data Source=data/battery_mes.db'; for PostgreSQL 'Host=...;Database=...;Username=...;Password=...'.");
        else
        {
            try { _ = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = options.ConnectionString }; }
            catch (ArgumentException ex) { errors.Add($"{DatabaseOptions.Section}:ConnectionString cannot be read: {ex.Message}"); }
        }
        if (options.BusyTimeoutMilliseconds is < 100 or > 600_000)
            errors.Add($"{DatabaseOptions.Section}:BusyTimeoutMilliseconds must be between 100 and 600000 (found {options.BusyTimeoutMilliseconds}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var errors = new List<string>();
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var probe = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                errors.Add($"{ServerOptions.Section}:Urls has '{url}', which is not an http:// or https:// address with a port (e.g. http://0.0.0.0:8501).");
        }
        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            && (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var b) || (b.Scheme != "http" && b.Scheme != "https")))
            errors.Add($"{ServerOptions.Section}:PublicBaseUrl must be an http:// or https:// address such as http://192.168.1.20:8501 (found '{options.PublicBaseUrl}').");
        if (!string.IsNullOrWhiteSpace(options.TimeZone))
        {
            try { TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone); }
            catch (Exception) { errors.Add($"{ServerOptions.Section}:TimeZone '{options.TimeZone}' is not a known time zone (use e.g. 'Asia/Kolkata' or 'Europe/Berlin')."); }
        }
        foreach (var entry in options.TrustedProxyEntries().Where(e => !ServerOptions.TryParseProxy(e, out _)))
            errors.Add($"{ServerOptions.Section}:TrustedProxies has '{entry}', which is not an IP address (127.0.0.1, ::1) or a network " +
                "in CIDR form (10.0.0.0/24); separate several with ';'.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class FolderOptionsValidator : IValidateOptions<FolderOptions>
{
    public ValidateOptionsResult Validate(string? name, FolderOptions options)
    {
        var errors = new List<string>();
        void Check(string key, string value)
        {
            if (string.IsNullOrWhiteSpace(value)) errors.Add($"{FolderOptions.Section}:{key} is empty; give a folder path.");
            else if (value.IndexOfAny(Path.GetInvalidPathChars()) >= 0) errors.Add($"{FolderOptions.Section}:{key} '{value}' is not a valid folder path.");
        }
        Check(nameof(options.Backups), options.Backups);
        Check(nameof(options.ExcelReports), options.ExcelReports);
        Check(nameof(options.QrCodes), options.QrCodes);
        Check(nameof(options.Logs), options.Logs);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
