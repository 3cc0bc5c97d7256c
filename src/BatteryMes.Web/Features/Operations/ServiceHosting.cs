using System.Net;
using System.Net.Sockets;
using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpsPolicy;
using Serilog;
using Serilog.Events;

namespace BatteryMes.Web.Features.Operations;

/// <summary>How the process is hosted: as a systemd or Windows service, where it listens (HTTP and HTTPS), behind which
/// reverse proxies, HTTP to HTTPS redirection, and rolling log files. Program.cs calls <see cref="AddHosting"/> once.</summary>
public static class ServiceHosting
{
    public const string ServiceName = "BatteryMes";

    /// <summary>Paths that stay reachable over plain HTTP when HTTP is redirected: a tablet must fetch the certificate
    /// (and read how to install it) before it trusts the HTTPS address; monitoring keeps probing /health.</summary>
    private static readonly string[] ReachableOverHttp = ["/api/https", "/about", "/trust", "/health", "/_framework", "/_content", "/_blazor"];

    /// <summary>Options for <see cref="WebApplication.CreateBuilder(WebApplicationOptions)"/>: a Windows service starts in
    /// C:\Windows\System32, so its content root (wwwroot, settings) is pinned to the build's own folder.</summary>
    public static WebApplicationOptions BuilderOptions(string[] args) => new()
    {
        Args = args,
        ContentRootPath = Microsoft.Extensions.Hosting.WindowsServices.WindowsServiceHelpers.IsWindowsService() ? AppContext.BaseDirectory : null,
    };

    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder, AppHome home, ServerOptions server)
    {
        // Both are no-ops outside their service manager: ready/stopping notifications and journal-friendly console logs
        // under systemd, the service control manager and the event log on Windows.
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = ServiceName);

        AddLogFiles(builder, home);
        ProtectKeys(builder, home);
        builder.Services.AddHostedService<AddressAnnouncement>();
        // Before the HTTPS start-up filter: its redirection must see the scheme the proxy forwarded.
        builder.AddTrustedProxies(server);

        var https = builder.Configuration.ReadValidated(HttpsOptions.Section, new HttpsOptionsValidator(home));
        var urls = ListenUrls(builder.Configuration[WebHostDefaults.ServerUrlsKey], server.Urls, https);
        builder.WebHost.UseUrls([.. urls]);
        builder.Services.AddSingleton(https);
        if (!https.Enabled) return builder;

        var certificates = HttpsCertificates.Prepare(home, https, TimeProvider.System);
        builder.Services.AddSingleton(certificates);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(h => h.ServerCertificate = certificates.Server));
        if (https.RedirectHttpToHttps)
        {
            var httpsPort = urls.Select(OperationsStatus.ParseAddress).FirstOrDefault(u => u?.Scheme == "https")?.Port ?? 0;
            // Port 0 (a test's free port): the middleware finds the bound HTTPS port itself.
            builder.Services.AddHttpsRedirection(o => o.HttpsPort = httpsPort > 0 ? httpsPort : null);
        }
        builder.Services.AddTransient<IStartupFilter>(_ => new HttpsStartup(https.RedirectHttpToHttps, certificates));
        return builder;
    }

    /// <summary>The configured addresses (the command line / ASPNETCORE_URLS win over the setting), plus the HTTPS
    /// address on the first address's interface when HTTPS is on and none is listed.</summary>
    public static IReadOnlyList<string> ListenUrls(string? overridden, string configured, HttpsOptions https)
    {
        var urls = (string.IsNullOrWhiteSpace(overridden) ? configured : overridden)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (https.Enabled && !urls.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            var host = urls.Select(OperationsStatus.ParseAddress).FirstOrDefault(u => u is not null)?.Host ?? "0.0.0.0";
            urls.Add($"https://{host}:{https.Port}");
        }
        return urls;
    }

    /// <summary>The keys behind sign-in cookies and antiforgery tokens live in the database (shared by every app
    /// instance on it, see IdentityFeature): one plain log line instead of the framework's "No XML encryptor configured"
    /// warning, which reads like a fault to an operator. The keys are as safe as the database and its backups.</summary>
    private static void ProtectKeys(WebApplicationBuilder builder, AppHome home)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        builder.Services.AddHostedService(sp => new KeysNotice(sp.GetRequiredService<ILogger<KeysNotice>>()));
    }

    private sealed class KeysNotice(ILogger<KeysNotice> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            log.LogInformation("Sign-in and form protection keys are kept in the database (table DataProtectionKeys), shared by every instance on it; protect the database and its backups as you protect the production data");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The addresses a person types to open the app: a wildcard listen address (0.0.0.0, [::], +, *) becomes
    /// localhost plus each LAN address of the machine; a named address stays as it is.</summary>
    public static IReadOnlyList<string> AddressesToOpen(IEnumerable<string> bound, IEnumerable<IPAddress> lan)
    {
        var result = new List<string>();
        foreach (var address in bound)
        {
            var uri = OperationsStatus.ParseAddress(address);
            if (uri is null) continue;
            if (uri.Host != "0.0.0.0")   // ParseAddress reads [::], + and * as 0.0.0.0
            {
                result.Add($"{uri.Scheme}://{uri.Host}:{uri.Port}");
                continue;
            }
            result.Add($"{uri.Scheme}://localhost:{uri.Port}");
            result.AddRange(lan.Where(ip => ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip)).Select(ip => $"{uri.Scheme}://{ip}:{uri.Port}"));
        }
        return [.. result.Distinct()];
    }

    /// <summary>Logs, once the server listens, the addresses to open in a browser (not the 0.0.0.0 it binds to).</summary>
    private sealed class AddressAnnouncement(IServer server, IHostApplicationLifetime lifetime, ILogger<AddressAnnouncement> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                var open = AddressesToOpen(bound, HttpsCertificates.HostAddresses());
                if (open.Count > 0) log.LogInformation("Open Battery MES at {Addresses}", string.Join("  or  ", open));
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Rolling daily files under BatteryMes:Folders:Logs, beside the console/journal/event log output (Serilog
    /// joins the providers instead of replacing them; the Logging:LogLevel settings filter it like the others).</summary>
    private static void AddLogFiles(WebApplicationBuilder builder, AppHome home)
    {
        var folders = builder.Configuration.ReadValidated(FolderOptions.Section, new FolderOptionsValidator());
        var folder = home.Resolve(folders.Logs);
        Directory.CreateDirectory(folder);
        var configuration = new LoggerConfiguration().MinimumLevel.Information().Enrich.FromLogContext();
        // Serilog lets every level through to itself, so the Logging:LogLevel settings are applied here too.
        foreach (var level in builder.Configuration.GetSection("Logging:LogLevel").GetChildren())
        {
            if (!Enum.TryParse<LogLevel>(level.Value, ignoreCase: true, out var minimum)) continue;
            var serilogLevel = minimum == LogLevel.None ? LogEventLevel.Fatal : (LogEventLevel)(int)minimum;
            if (level.Key == "Default") configuration.MinimumLevel.Is(serilogLevel);
            else configuration.MinimumLevel.Override(level.Key, serilogLevel);
        }
        var logger = configuration
            .WriteTo.File(Path.Combine(folder, "battery-mes-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 31,
                fileSizeLimitBytes: 50 * 1024 * 1024,
                rollOnFileSizeLimit: true,
                shared: true,
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        builder.Logging.AddSerilog(logger, dispose: true);
    }

    /// <summary>Redirects HTTP to HTTPS first in the pipeline (except <see cref="ReachableOverHttp"/>), and logs the certificate in use.</summary>
    private sealed class HttpsStartup(bool redirect, HttpsCertificates certificates) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServiceHosting)).LogInformation(
                "HTTPS certificate {Subject} ({Source}, {Action}), valid until {NotAfter:yyyy-MM-dd}, names {Names} {Addresses}",
                certificates.Server.Subject, certificates.Source, certificates.Action, certificates.Server.NotAfter,
                string.Join(", ", HttpsCertificates.DnsNames(certificates.Server)), string.Join(", ", HttpsCertificates.IpAddresses(certificates.Server)));
            if (redirect)
                app.UseWhen(http => !http.Request.IsHttps && !ReachableOverHttp.Any(p => http.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)),
                    branch => branch.UseHttpsRedirection());
            next(app);
        };
    }
}
