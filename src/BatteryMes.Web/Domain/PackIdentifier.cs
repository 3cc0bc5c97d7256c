using System.Text.RegularExpressions;

namespace BatteryMes.Web.Domain;

/// <summary>Rules for pack IDs (the "Battery Pack ID" on the label) and for reading what a scanner delivers.</summary>
public static partial class PackIdentifier
{
    public const int MaxLength = 40;
    /// <summary>Longest scanner text read (a label URL with a long host name still fits).</summary>
    public const int MaxScanLength = 2048;
    public const string AllowedDescription =
        "A pack ID is 1 to 40 characters: letters A-Z, digits 0-9, and '-', '_' or '.' between them (for example BP-2026-0001).";

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    // Pack IDs become file names (reports, labels) and Windows, where the app may run as a service, refuses these
    // device names as a file's base name whatever the extension (CON.xlsx, nul.1.png).
    [GeneratedRegex(@"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\.|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DeviceName();

    public static bool IsValid(string? id) => Validate(id) is null;

    /// <summary>The one form of a pack ID that is stored and shown: upper case. IDs are ASCII letters, digits and
    /// '-', '_', '.', so "bp-2026-0010" and "BP-2026-0010" are one pack whatever the scanner or keyboard gave.</summary>
    public static string Canonical(string id) => id.Trim().ToUpperInvariant();

    /// <summary>Checks an ID as typed or generated; returns the message to show when it breaks the rules.</summary>
    public static string? Validate(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return "Enter a pack ID. " + AllowedDescription;
        if (id.Length > MaxLength) return $"The pack ID is {id.Length} characters long; the limit is {MaxLength}. " + AllowedDescription;
        if (!Pattern().IsMatch(id)) return $"'{EchoedInput.Display(id, MaxLength)}' is not a valid pack ID. " + AllowedDescription;
        if (DeviceName().IsMatch(id))
            return $"'{id}' cannot be a pack ID: Windows reserves it as a device name, so its report and label files could not be saved. Add a prefix (for example BP-{id}).";
        return null;
    }

    /// <summary>Reads what a USB scanner, a camera or a person delivered: a bare ID or a label URL of the form
    /// http(s)://host/entry/{packId} (with or without query or fragment). Control characters and surrounding
    /// white space are stripped. Returns the pack ID, or an error message a person can act on.</summary>
    public static ScanReading ReadScan(string? raw)
    {
        var text = new string((raw ?? "").Where(ch => !char.IsControl(ch) && ch != '\u200B' && ch != '\uFEFF').ToArray()).Trim();
        if (text.Length == 0) return ScanReading.Fail("Nothing was scanned. Scan the label or type the pack ID.");
        if (text.Length > MaxScanLength) return ScanReading.Fail("The scanned text is too long to be a pack label.");

        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                return ScanReading.Fail("The scanned text looks like a web address but is not a valid Battery MES label URL.");
            var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.FindLastIndex(segments, s => s.Equals("entry", StringComparison.OrdinalIgnoreCase));
            if (at < 0 || at != segments.Length - 2)
                return ScanReading.Fail("The label URL does not point to a pack (expected .../entry/<pack ID>).");
            text = Uri.UnescapeDataString(segments[^1]).Trim();
        }

        var error = Validate(text);
        return error is null ? ScanReading.Success(Canonical(text)) : ScanReading.Fail(error);
    }
}

public readonly record struct ScanReading(string? PackId, string? Error)
{
    public bool IsValid => PackId is not null;
    public static ScanReading Success(string id) => new(id, null);
    public static ScanReading Fail(string message) => new(null, message);
}
