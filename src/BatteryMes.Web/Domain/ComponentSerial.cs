using System.Text.RegularExpressions;

namespace BatteryMes.Web.Domain;

/// <summary>Rules for the IDs of cells and modules and for their lots, as scanned from a cell's or module's code or
/// read from a supplier's file.</summary>
public static partial class ComponentSerial
{
    public const int MaxLength = 64;
    public const string AllowedDescription =
        "A cell or module ID is 1 to 64 characters: letters A-Z, digits 0-9, and '-', '_', '.', '/' or ':' between them.";

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._/:-]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>The one stored form: trimmed, upper case, so a code read by two scanners is one component.</summary>
    public static string Canonical(string serial) => serial.Trim().ToUpperInvariant();

    /// <summary>Returns the message to show when <paramref name="serial"/> breaks the rules (what names it: "cell ID",
    /// "module ID", "lot"); null when it is acceptable.</summary>
    public static string? Validate(string? serial, string what = "ID")
    {
        var text = serial?.Trim();
        if (string.IsNullOrEmpty(text)) return $"Enter the {what}. " + AllowedDescription;
        if (text.Length > MaxLength) return $"The {what} is {text.Length} characters long; the limit is {MaxLength}.";
        if (!Pattern().IsMatch(text)) return $"'{EchoedInput.Display(text, MaxLength)}' is not a valid {what}. " + AllowedDescription;
        return null;
    }
}
