using BatteryMes.Web.Configuration;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Operations;

/// <summary>BatteryMes:Server:Https. HTTPS on the LAN: tablet browsers allow the camera only on a secure page.</summary>
public sealed class HttpsOptions
{
    public const string Section = "BatteryMes:Server:Https";

    public bool Enabled { get; set; }

    /// <summary>The HTTPS port, added beside the HTTP addresses of BatteryMes:Server:Urls unless those already hold an https:// address.</summary>
    public int Port { get; set; } = 8543;

    /// <summary>A certificate of the plant's own (.pfx/.p12, or .pem holding certificate and private key). Empty: the app
    /// creates its own certificate authority and server certificate under data/https/ on first start.</summary>
    public string CertificateFile { get; set; } = "";

    public string CertificatePassword { get; set; } = "";

    /// <summary>Where the generated authority and server certificate are kept (relative to the installation folder).</summary>
    public string GeneratedCertificateFolder { get; set; } = "data/https";

    /// <summary>Sends HTTP requests to the HTTPS address (except the certificate download, the About page and /health).</summary>
    public bool RedirectHttpToHttps { get; set; }
}

internal sealed class HttpsOptionsValidator(AppHome home) : IValidateOptions<HttpsOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpsOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 1 or > 65535)
            errors.Add($"{HttpsOptions.Section}:Port must be between 1 and 65535 (found {options.Port}); 443 is the usual HTTPS port, 8543 the default.");
        if (options.Enabled && !string.IsNullOrWhiteSpace(options.CertificateFile) && !File.Exists(home.Resolve(options.CertificateFile)))
            errors.Add($"{HttpsOptions.Section}:CertificateFile '{options.CertificateFile}' does not exist (looked at {home.Resolve(options.CertificateFile)}). Give the path of a .pfx file, or leave it empty to let Battery MES create a certificate.");
        if (string.IsNullOrWhiteSpace(options.GeneratedCertificateFolder))
            errors.Add($"{HttpsOptions.Section}:GeneratedCertificateFolder is empty; give a folder path such as data/https.");
        if (options.RedirectHttpToHttps && !options.Enabled)
            errors.Add($"{HttpsOptions.Section}:RedirectHttpToHttps is on but {HttpsOptions.Section}:Enabled is off; switch HTTPS on first.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
