using System.Globalization;
using System.Text;

namespace BatteryMes.Web.Domain;

/// <summary>What a person typed or sent, made fit to quote back in a message. Invisible characters that change how the
/// message reads are shown as <c>&lt;U+202E&gt;</c> instead of acting: bidirectional overrides and isolates
/// (U+202A-U+202E, U+2066-U+2069) could make "'&#x202E;1-PB' is not a valid pack ID" read as something else; control
/// characters (C0, C1) could break the line or the log. That covers every control, format (bidi marks, zero-width
/// characters) and line/paragraph separator; a broken surrogate shows as U+FFFD.</summary>
public static class EchoedInput
{
    /// <summary>The text with such characters escaped, cut after <paramref name="maxLength"/> characters with "...".</summary>
    public static string Display(string? text, int maxLength)
    {
        var shown = new StringBuilder();
        var count = 0;
        foreach (var rune in (text ?? "").EnumerateRunes())
        {
            if (count++ == maxLength) return shown.Append("...").ToString();
            if (IsHidden(rune)) shown.Append(CultureInfo.InvariantCulture, $"<U+{rune.Value:X4}>");
            else shown.Append(rune.ToString());
        }
        return shown.ToString();
    }

    private static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
