using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.HttpOverrides;

namespace BatteryMes.Web.Features.Operations;

/// <summary>Behind nginx or IIS every request comes from the proxy: the audit log would record the proxy's address for
/// every change, and a proxy on the same machine would make every caller look local. With
/// BatteryMes:Server:TrustedProxies set, X-Forwarded-For and X-Forwarded-Proto from those senders (and only those) are
/// believed, first in the pipeline, before the HTTPS redirection looks at the scheme.</summary>
public static class TrustedProxies
{
    public static void AddTrustedProxies(this WebApplicationBuilder builder, ServerOptions server)
    {
        var networks = server.TrustedProxyEntries().Select(e => ServerOptions.TryParseProxy(e, out var n) ? n : default).ToList();
        if (networks.Count == 0) return;
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults trust loopback; only what the operator listed is trusted.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in networks) options.KnownIPNetworks.Add(network);
            // Walk back through a chain of listed proxies; the walk stops at the first sender that is not listed, so a
            // client cannot plant an address by sending its own X-Forwarded-For.
            options.ForwardLimit = null;
        });
        builder.Services.AddTransient<IStartupFilter>(_ => new ForwardedHeadersStartup(networks));
    }

    private sealed class ForwardedHeadersStartup(IReadOnlyList<System.Net.IPNetwork> networks) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TrustedProxies))
                .LogInformation("Client addresses forwarded by the proxies {Proxies} are believed", string.Join(", ", networks));
            app.UseForwardedHeaders();
            next(app);
        };
    }
}
