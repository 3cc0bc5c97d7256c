using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BatteryMes.Web.Features.Identity;

/// <summary>How PINs and passwords are stored: PBKDF2 with HMAC-SHA256 (the standard KDF, Rfc2898DeriveBytes), as
/// <c>PBKDF2-SHA256$iterations$salt$key</c> with salt and key in Base64. Only the hash is kept.</summary>
public static class SecretHash
{
    public const string Format = "PBKDF2-SHA256$<iterations>$<salt, Base64>$<key, Base64>";
    private const string Scheme = "PBKDF2-SHA256";
    public const int DefaultIterations = 600_000;
    private const int SaltBytes = 16;
    private const int KeyBytes = 32;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(key));
    }

    public static bool IsWellFormed(string hash) => TryParse(hash, out _, out _, out _);

    /// <summary>True when <paramref name="password"/> matches <paramref name="hash"/> (constant-time comparison).</summary>
    public static bool Verify(string? password, string? hash)
    {
        if (string.IsNullOrEmpty(password) || hash is null || !TryParse(hash, out var iterations, out var salt, out var expected)) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string hash, out int iterations, out byte[] salt, out byte[] key)
    {
        iterations = 0;
        salt = key = [];
        var parts = hash.Trim().Split('$');
        if (parts.Length != 4 || parts[0] != Scheme) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 10_000) return false;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            key = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        return salt.Length >= 8 && key.Length >= 16;
    }
}
