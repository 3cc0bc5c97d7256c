using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BatteryMes.Web.Configuration;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Operations;

/// <summary>The certificate Kestrel serves HTTPS with, and the one devices install to trust it.
/// Without a configured file the app keeps its own small certificate authority under data/https/: tablets install the
/// authority once, and the server certificate it signs can be renewed (new address, near expiry) without touching them.</summary>
public sealed class HttpsCertificates
{
    public const string AuthorityFile = "battery-mes-ca.pfx";
    public const string ServerFile = "battery-mes-server.pfx";

    // Apple devices reject TLS server certificates valid for more than 825 days; renew well before the end.
    private const int ServerValidityDays = 800;
    private const int RenewBeforeDays = 30;

    private HttpsCertificates(X509Certificate2 server, X509Certificate2 trust, string source, string action)
    {
        Server = server;
        Trust = trust;
        Source = source;
        Action = action;
    }

    /// <summary>Served by Kestrel (has the private key).</summary>
    public X509Certificate2 Server { get; }

    /// <summary>What devices install: the generated authority, or the configured certificate's public part.</summary>
    public X509Certificate2 Trust { get; }

    /// <summary>"generated" or the configured file's path.</summary>
    public string Source { get; }

    /// <summary>What start-up did: created, reused, renewed or loaded.</summary>
    public string Action { get; }

    public bool IsGenerated => Source == "generated";

    public static HttpsCertificates Prepare(AppHome home, HttpsOptions options, TimeProvider time)
    {
        if (!string.IsNullOrWhiteSpace(options.CertificateFile))
        {
            var path = home.Resolve(options.CertificateFile);
            var configured = LoadConfigured(path, options.CertificatePassword);
            return new HttpsCertificates(configured, X509CertificateLoader.LoadCertificate(configured.RawData), path, "loaded");
        }
        return PrepareGenerated(home.Resolve(options.GeneratedCertificateFolder), time.GetUtcNow(), Dns.GetHostName(), HostAddresses());
    }

    /// <summary>Reuses the stored server certificate while it covers <paramref name="hostName"/> and <paramref name="addresses"/>
    /// and is not near expiry; otherwise issues a new one from the stored authority (creating that on first start).</summary>
    public static HttpsCertificates PrepareGenerated(string folder, DateTimeOffset now, string hostName, IReadOnlyCollection<IPAddress> addresses)
    {
        Directory.CreateDirectory(folder);
        var authorityPath = Path.Combine(folder, AuthorityFile);
        var serverPath = Path.Combine(folder, ServerFile);
        var authority = TryLoad(authorityPath);
        var action = "reused";
        if (authority is null || authority.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(RenewBeforeDays * 2))
        {
            authority = CreateAuthority(hostName, now);
            WritePfx(authorityPath, authority);
            action = "created";
        }
        var server = TryLoad(serverPath);
        if (server is null || !IssuedBy(server, authority) || server.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(RenewBeforeDays)
            || !Covers(server, hostName, addresses))
        {
            server = CreateServer(authority, hostName, addresses, now);
            WritePfx(serverPath, server);
            if (action == "reused") action = "renewed";
        }
        // Reload from the file: on Windows a key made in memory is ephemeral and SslStream cannot use it.
        return new HttpsCertificates(TryLoad(serverPath)!, X509CertificateLoader.LoadCertificate(authority.RawData), "generated", action);
    }

    /// <summary>Every up, non-loopback IPv4 and IPv6 address of this machine, plus 127.0.0.1 and ::1.</summary>
    public static IReadOnlyCollection<IPAddress> HostAddresses()
    {
        var result = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up))
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var ip = unicast.Address;
                if (IPAddress.IsLoopback(ip) || ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) continue;
                // A certificate cannot name a scope (fe80::1%eth0); the bare address is what browsers compare.
                var bare = new IPAddress(ip.GetAddressBytes());
                if (!result.Contains(bare)) result.Add(bare);
            }
        }
        catch (NetworkInformationException)
        {
            // Some containers hide the interfaces: the certificate then names the host and loopback only.
        }
        return result;
    }

    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();

    public static IReadOnlyList<IPAddress> IpAddresses(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateIPAddresses()).ToList();

    /// <summary>Base64 SHA-256 of the certificate's public key (what Chromium's --ignore-certificate-errors-spki-list and HPKP use).</summary>
    public static string SpkiSha256(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    private static X509Certificate2 LoadConfigured(string path, string password)
    {
        const string setting = HttpsOptions.Section + ":CertificateFile";
        try
        {
            X509Certificate2 certificate;
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is ".pfx" or ".p12")
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, string.IsNullOrEmpty(password) ? null : password);
            else
            {
                using var pem = string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password);
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), null);
            }
            if (!certificate.HasPrivateKey)
                throw new OptionsValidationException(HttpsOptions.Section, typeof(HttpsOptions),
                    [$"{setting} '{path}' holds no private key; export the certificate WITH its private key (.pfx)."]);
            return certificate;
        }
        catch (CryptographicException ex)
        {
            throw new OptionsValidationException(HttpsOptions.Section, typeof(HttpsOptions),
                [$"{setting} '{path}' cannot be read ({ex.Message}). Check the file and {HttpsOptions.Section}:CertificatePassword."]);
        }
    }

    private static X509Certificate2? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.Exportable);
            return certificate.HasPrivateKey ? certificate : null;
        }
        catch (CryptographicException)
        {
            return null; // damaged: made again
        }
    }

    private static void WritePfx(string path, X509Certificate2 certificate)
    {
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx));
        // The private key stays readable by the service account only.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static bool IssuedBy(X509Certificate2 server, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(server);
    }

    private static bool Covers(X509Certificate2 server, string hostName, IReadOnlyCollection<IPAddress> addresses)
    {
        var names = DnsNames(server);
        var ips = IpAddresses(server);
        return names.Contains(hostName, StringComparer.OrdinalIgnoreCase) && addresses.All(ips.Contains);
    }

    private static X509Certificate2 CreateAuthority(string hostName, DateTimeOffset now)
    {
        using var key = RSA.Create(3072);
        var request = new CertificateRequest($"CN=Battery MES local authority ({hostName}), O=Battery MES", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
    }

    private static X509Certificate2 CreateServer(X509Certificate2 authority, string hostName, IReadOnlyCollection<IPAddress> addresses, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostName}, O=Battery MES", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        if (!string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase)) names.AddDnsName("localhost");
        foreach (var address in addresses.Append(IPAddress.Loopback).Distinct()) names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var notAfter = now.AddDays(ServerValidityDays);
        if (notAfter > authority.NotAfter) notAfter = authority.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var issued = request.Create(authority, now.AddDays(-1), notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
