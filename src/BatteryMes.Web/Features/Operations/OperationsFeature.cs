using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatteryMes.Web.Features.Operations;

/// <summary>Composition of the Operations feature: its services and its HTTP endpoints. Program.cs calls these two only
/// (plus <see cref="ServiceHosting.AddHosting"/> for how the process is hosted).</summary>
public static class OperationsFeature
{
    public const string CertificatePath = "/api/https/certificate";

    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        // Test hosts and tools that skip AddHosting still get a (switched off) HTTPS setting.
        services.TryAddSingleton(sp => sp.GetService<IConfiguration>()?.GetSection(HttpsOptions.Section).Get<HttpsOptions>() ?? new HttpsOptions());
        services.AddSingleton<OperationsStatus>();
        // A stopped, read-only or full database answers 503 with the reason, not a 500 page (see DatabaseFaultAnswers).
        services.AddExceptionHandler<DatabaseFaultAnswers.Handler>();
        services.AddSingleton<CircuitCount>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitCount.Tracker>());
        return services;
    }

    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The certificate devices install to trust the HTTPS address: PEM (.crt) by default, DER (.cer) with ?format=der.
        endpoints.MapGet(CertificatePath, (HttpContext http, string? format) =>
        {
            if (http.RequestServices.GetService<HttpsCertificates>() is not { } certificates)
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "HTTPS is switched off",
                    detail: $"There is no certificate to install: HTTPS is off ({HttpsOptions.Section}:Enabled).");
            var trust = certificates.Trust;
            return string.Equals(format, "der", StringComparison.OrdinalIgnoreCase)
                ? Results.File(trust.Export(X509ContentType.Cert), "application/x-x509-ca-cert", "battery-mes-ca.cer")
                : Results.File(System.Text.Encoding.ASCII.GetBytes(trust.ExportCertificatePem() + "\n"), "application/x-x509-ca-cert", "battery-mes-ca.crt");
        }).WithName("DownloadHttpsCertificate").WithSummary("The certificate devices install to trust the app's HTTPS address");
        return endpoints;
    }
}
