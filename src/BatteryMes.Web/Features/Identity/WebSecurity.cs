using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using BatteryMes.Web.Configuration;
using Microsoft.Net.Http.Headers;

namespace BatteryMes.Web.Features.Identity;

/// <summary>What a browser on another site, a DNS-rebinding page or a sniffing browser must not be able to do.</summary>
public static class WebSecurity
{
    /// <summary>Blazor needs inline styles (MudBlazor) and its WebSocket; Plotly draws with inline styles and data:
    /// images; labels and photos are shown as data: and blob: URLs. No script from anywhere else, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; media-src 'self' blob: mediastream:; worker-src 'self' blob:; object-src 'none'; " +
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>When AllowedHosts is empty (the default), only the names this machine is reached by are accepted, so a
    /// page on another site that points a DNS name at the plant's server cannot reach the API.</summary>
    public static void ConfigureAllowedHosts(this WebApplicationBuilder builder, ServerOptions server)
    {
        var configured = builder.Configuration["AllowedHosts"];
        if (!string.IsNullOrWhiteSpace(configured)) return;
        var security = new SecurityOptions();
        builder.Configuration.GetSection(SecurityOptions.Section).Bind(security);
        builder.Configuration["AllowedHosts"] = string.Join(';', AllowedHosts(server, security));
    }

    public static IReadOnlyList<string> AllowedHosts(ServerOptions server, SecurityOptions security)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "[::1]" };
        void Add(string? host)
        {
            if (string.IsNullOrWhiteSpace(host)) return;
            hosts.Add(IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : host);
        }
        try
        {
            var name = Dns.GetHostName();
            Add(name);
            Add(Dns.GetHostEntry(name).HostName);
        }
        catch (SocketException) { /* no resolver: the addresses below still work */ }
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up))
            {
                // Some sandboxed kernels (gVisor) refuse the per-interface query with a SocketException: the other
                // interfaces and the names above still count, and the app must still start.
                try
                {
                    foreach (var address in nic.GetIPProperties().UnicastAddresses)
                        // A link-local IPv6 address carries its interface (%2); a Host header never does.
                        Add(address.Address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.Address.GetAddressBytes()).ToString() : address.Address.ToString());
                }
                catch (Exception ex) when (ex is NetworkInformationException or SocketException) { }
            }
        }
        catch (Exception ex) when (ex is NetworkInformationException or SocketException) { }
        if (Uri.TryCreate(server.PublicBaseUrl, UriKind.Absolute, out var publicUrl)) Add(publicUrl.Host.Trim('[', ']'));
        foreach (var url in server.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var listen)
                && listen.Host is not ("0.0.0.0" or "[::]"))
                Add(listen.Host.Trim('[', ']'));
        foreach (var extra in security.HostNameEntries()) Add(extra);
        return hosts.ToList();
    }

    /// <summary>Security headers on every answer, and the rule that a state-changing API request carries JSON: a form on
    /// another site can post form data or plain text with the station's cookie, but never JSON without CORS.</summary>
    public static IApplicationBuilder UseWebSecurity(this IApplicationBuilder app, bool https)
    {
        app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers[HeaderNames.XFrameOptions] = "DENY";
            headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            if (https && http.Request.IsHttps) headers[HeaderNames.StrictTransportSecurity] = "max-age=31536000";
            if (IsUnsafe(http.Request.Method) && IdentityFeature.IsApi(http.Request) && !IsJson(http.Request.ContentType))
            {
                http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await http.Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "JSON required",
                    Detail = "Send this request with 'Content-Type: application/json' and a JSON body (use {} when there is nothing to send).",
                }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
                return;
            }
            await next(http);
        });
        return app;
    }

    private static bool IsUnsafe(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);
}
