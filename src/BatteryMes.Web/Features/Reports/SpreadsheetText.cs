using System.Globalization;
using System.Text;

namespace BatteryMes.Web.Features.Reports;

/// <summary>Text that goes into a CSV field. A value a person typed (a remark, a name, a serial) that starts with =, +,
/// -, @, tab or carriage return would be run as a formula by Excel or LibreOffice when the CSV is opened (CSV
/// injection); a leading apostrophe keeps it plain text. The test is made on the text as a spreadsheet may read it:
/// invisible format characters at the start (zero-width space, joiners, byte-order mark, direction marks) are passed
/// over and the first visible character is compared in its compatibility form, so full-width ＝＋－＠ and the small
/// forms count as = + - @. The Excel files do not need any of it: their cells are written as inline strings, which
/// Excel shows as typed and never runs (an apostrophe there would be printed on the form).</summary>
public static class SpreadsheetText
{
    public static string Neutralise(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return StartsLikeFormula(value) ? "'" + value : value;
    }

    /// <summary>Whether text starting with this ASCII character is neutralised.</summary>
    public static bool StartsLikeFormula(char first) => first is '=' or '+' or '-' or '@' or '\t' or '\r';

    public static bool StartsLikeFormula(ReadOnlySpan<char> text)
    {
        var at = 0;
        while (at < text.Length)
        {
            if (Rune.DecodeFromUtf16(text[at..], out var rune, out var used) != System.Buffers.OperationStatus.Done) return false;
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format)
                return StartsLikeFormula(rune);
            at += used;
        }
        return false;
    }

    /// <summary>The same test on UTF-8 text (the CSV writer's fast path): an ASCII first byte is decided at once.</summary>
    public static bool StartsLikeFormula(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return false;
        if (utf8[0] < 0x80) return StartsLikeFormula((char)utf8[0]);
        var at = 0;
        while (at < utf8.Length && Rune.DecodeFromUtf8(utf8[at..], out var rune, out var used) == System.Buffers.OperationStatus.Done)
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format) return StartsLikeFormula(rune);
            at += used;
        }
        return false;
    }

    private static bool StartsLikeFormula(Rune first)
    {
        if (first.IsAscii) return StartsLikeFormula((char)first.Value);
        var compatible = first.ToString().Normalize(NormalizationForm.FormKC);
        return compatible.Length > 0 && StartsLikeFormula(compatible[0]);
    }
}
