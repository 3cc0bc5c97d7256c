using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Operations;
using Microsoft.Extensions.Options;

namespace BatteryMes.Tests.Operations;

public sealed class HttpsCertificateTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Lan = IPAddress.Parse("192.168.10.20");
    private static readonly IPAddress LanV6 = IPAddress.Parse("fd00::20");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private HttpsCertificates Prepare(DateTimeOffset? now = null, params IPAddress[] addresses) =>
        HttpsCertificates.PrepareGenerated(Path.Combine(_folder, "data", "https"), now ?? Now, "line-server",
            addresses.Length > 0 ? addresses : [IPAddress.Loopback, Lan, LanV6]);

    [Fact]
    public void The_generated_certificate_names_the_host_localhost_loopback_and_every_LAN_address()
    {
        var certificates = Prepare();

        Assert.Equal(["line-server", "localhost"], HttpsCertificates.DnsNames(certificates.Server));
        var ips = HttpsCertificates.IpAddresses(certificates.Server);
        Assert.Contains(IPAddress.Loopback, ips);
        Assert.Contains(Lan, ips);
        Assert.Contains(LanV6, ips);
        Assert.True(certificates.Server.HasPrivateKey);
        Assert.Equal("created", certificates.Action);
        Assert.True(certificates.IsGenerated);
    }

    [Fact]
    public void The_server_certificate_is_for_TLS_servers_and_chains_to_the_authority_devices_install()
    {
        var certificates = Prepare();

        var usage = certificates.Server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Contains(usage.EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.False(certificates.Server.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.True(certificates.Trust.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.False(certificates.Trust.HasPrivateKey);
        // Apple devices refuse server certificates valid for more than 825 days.
        Assert.True((certificates.Server.NotAfter - certificates.Server.NotBefore).TotalDays <= 825);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(certificates.Trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Now.UtcDateTime.AddDays(1);
        Assert.True(chain.Build(certificates.Server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void The_next_start_reuses_the_stored_certificates_so_tablets_keep_trusting_the_server()
    {
        var first = Prepare();
        var second = Prepare(Now.AddDays(10));

        Assert.Equal("reused", second.Action);
        Assert.Equal(first.Server.Thumbprint, second.Server.Thumbprint);
        Assert.Equal(first.Trust.Thumbprint, second.Trust.Thumbprint);
        Assert.True(File.Exists(Path.Combine(_folder, "data", "https", HttpsCertificates.AuthorityFile)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "data", "https", HttpsCertificates.ServerFile)));
    }

    [Fact]
    public void A_new_server_address_renews_the_server_certificate_but_keeps_the_authority()
    {
        var first = Prepare();
        var moved = IPAddress.Parse("10.1.2.3");

        var second = Prepare(Now.AddDays(1), IPAddress.Loopback, moved);

        Assert.Equal("renewed", second.Action);
        Assert.NotEqual(first.Server.Thumbprint, second.Server.Thumbprint);
        Assert.Equal(first.Trust.Thumbprint, second.Trust.Thumbprint);
        Assert.Contains(moved, HttpsCertificates.IpAddresses(second.Server));
    }

    [Fact]
    public void A_server_certificate_near_its_end_is_renewed_by_the_same_authority()
    {
        var first = Prepare();

        var later = Prepare(new DateTimeOffset(first.Server.NotAfter.ToUniversalTime()).AddDays(-5));

        Assert.Equal("renewed", later.Action);
        Assert.Equal(first.Trust.Thumbprint, later.Trust.Thumbprint);
        Assert.True(later.Server.NotAfter > first.Server.NotAfter);
    }

    [Fact]
    public void A_damaged_certificate_file_is_made_again_instead_of_stopping_the_app()
    {
        Prepare();
        File.WriteAllText(Path.Combine(_folder, "data", "https", HttpsCertificates.ServerFile), "not a certificate");

        var again = Prepare();

        Assert.Equal("renewed", again.Action);
        Assert.True(again.Server.HasPrivateKey);
    }

    [Fact]
    public void A_configured_pfx_file_is_served_as_it_is()
    {
        var own = Prepare().Server;
        var file = Path.Combine(_folder, "plant.pfx");
        File.WriteAllBytes(file, own.Export(X509ContentType.Pfx, "s3cret"));

        var certificates = HttpsCertificates.Prepare(new AppHome(_folder), new HttpsOptions { Enabled = true, CertificateFile = "plant.pfx", CertificatePassword = "s3cret" }, TimeProvider.System);

        Assert.Equal(own.Thumbprint, certificates.Server.Thumbprint);
        Assert.False(certificates.IsGenerated);
        Assert.Equal(file, certificates.Source);
        Assert.False(certificates.Trust.HasPrivateKey);
    }

    [Fact]
    public void A_wrong_certificate_password_stops_start_up_with_a_message_that_names_the_setting()
    {
        var file = Path.Combine(_folder, "plant.pfx");
        Directory.CreateDirectory(_folder);
        File.WriteAllBytes(file, Prepare().Server.Export(X509ContentType.Pfx, "right"));

        var ex = Assert.Throws<OptionsValidationException>(() =>
            HttpsCertificates.Prepare(new AppHome(_folder), new HttpsOptions { Enabled = true, CertificateFile = file, CertificatePassword = "wrong" }, TimeProvider.System));

        Assert.Contains("BatteryMes:Server:Https:CertificateFile", ex.Message);
        Assert.Contains("CertificatePassword", ex.Message);
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_refused_with_a_message()
    {
        var file = Path.Combine(_folder, "public-only.pem");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(file, Prepare().Server.ExportCertificatePem());

        var ex = Assert.Throws<OptionsValidationException>(() =>
            HttpsCertificates.Prepare(new AppHome(_folder), new HttpsOptions { Enabled = true, CertificateFile = file }, TimeProvider.System));

        Assert.Contains("BatteryMes:Server:Https:CertificateFile", ex.Message);
    }

    [Fact]
    public void The_host_addresses_include_loopback_and_carry_no_interface_scope()
    {
        var addresses = HttpsCertificates.HostAddresses();

        Assert.Contains(IPAddress.Loopback, addresses);
        Assert.All(addresses, a => Assert.Equal(0, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? a.ScopeId : 0));
    }
}
