using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.Backups;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Operations;

/// <summary>The newest verified backup: when it was taken and why.</summary>
public sealed record BackupFileInfo(string FileName, DateTime TakenUtc, string Trigger, long Bytes);

/// <summary>What the About/Status page shows: the facts an admin asks for when something looks wrong.</summary>
public sealed class OperationsStatus(
    DatabaseTarget database,
    IDbContextFactory<MesDbContext> contexts,
    AppHome home,
    IOptions<FolderOptions> folders,
    IOptions<ServerOptions> server,
    HttpsOptions https,
    IServer kestrel,
    BackupCatalog backups,
    TimeProvider time,
    ILogger<OperationsStatus> log,
    HttpsCertificates? certificates = null)
{
    public static string Version =>
        typeof(OperationsStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(OperationsStatus).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    public DatabaseTarget Database => database;
    public HttpsOptions Https => https;
    public HttpsCertificates? Certificates => certificates;
    public string BackupFolder => home.Resolve(folders.Value.Backups);
    public string LogFolder => home.Resolve(folders.Value.Logs);
    public string InstallationFolder => home.Path;

    public TimeSpan Uptime
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return time.GetUtcNow().UtcDateTime - process.StartTime.ToUniversalTime();
        }
    }

    /// <summary>SQLite: the file plus its -wal journal (recent commits live there until a checkpoint).
    /// PostgreSQL: pg_database_size. Null when it cannot be read (the page says so instead of failing).</summary>
    public async Task<long?> DatabaseBytesAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (database.SqliteFile is { } file)
                return new[] { file, file + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            return await db.Database.SqlQueryRaw<long>("SELECT pg_database_size(current_database()) AS \"Value\"").SingleAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DbException)
        {
            log.LogWarning(ex, "Could not read the database size of {Provider}", database.Provider);
            return null;
        }
    }

    /// <summary>The newest verified backup (automatic or manual) as the backup history lists it: never a record file
    /// (<c>.db.json</c>), an unfinished copy or a snapshot that failed or has not finished its check.</summary>
    public BackupFileInfo? LastBackup() =>
        backups.List().FirstOrDefault(e => e.Verified) is { } e ? new BackupFileInfo(e.Name, e.CreatedUtc, e.Trigger, e.SizeBytes) : null;

    public TimeSpan AgeOf(BackupFileInfo backup) => time.GetUtcNow().UtcDateTime - backup.TakenUtc;

    /// <summary>The port HTTPS listens on (an https:// address in the settings wins over BatteryMes:Server:Https:Port).</summary>
    public int HttpsPort => ListeningAddresses()
        .Select(ParseAddress).FirstOrDefault(u => u?.Scheme == "https")?.Port ?? https.Port;

    /// <summary>Kestrel's and the settings' wildcard hosts (*, +, [::]) are not valid URI hosts; read them as 0.0.0.0.</summary>
    public static Uri? ParseAddress(string address) =>
        Uri.TryCreate(address.Replace("[::]", "0.0.0.0").Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>Where the app listens right now (from Kestrel).</summary>
    public IReadOnlyList<string> ListeningAddresses() =>
        kestrel.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>The address shop-floor devices should use: PublicBaseUrl when set; otherwise a suggestion built from this
    /// machine's first LAN address and the HTTPS (or HTTP) port, marked as such.</summary>
    public (string Url, bool Configured) DeviceUrl()
    {
        if (!string.IsNullOrWhiteSpace(server.Value.PublicBaseUrl)) return (server.Value.PublicBaseUrl.TrimEnd('/'), true);
        var lan = HttpsCertificates.HostAddresses().FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
        var addresses = ListeningAddresses();
        var preferred = addresses.FirstOrDefault(a => a.StartsWith(https.Enabled ? "https://" : "http://", StringComparison.Ordinal)) ?? addresses.FirstOrDefault();
        var (scheme, port) = preferred is not null && ParseAddress(preferred) is { } uri
            ? (uri.Scheme, uri.Port)
            : (https.Enabled ? "https" : "http", https.Enabled ? https.Port : 8501);
        var defaultPort = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
        return ($"{scheme}://{lan}{(defaultPort ? "" : ":" + port)}", false);
    }

    public static string Bytes(long? bytes) => bytes switch
    {
        null => "unknown",
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:0.0} MB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:0.00} GB",
    };

    public static string Duration(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h {span.Minutes} min"
        : span.TotalHours >= 1 ? $"{span.Hours} h {span.Minutes} min"
        : $"{span.Minutes} min {span.Seconds} s";
}
