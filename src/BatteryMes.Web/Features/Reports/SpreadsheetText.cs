namespace BatteryMes.Web.Features.Reports;

/// <summary>Text that goes into a CSV field. A value a person typed (a remark, a name, a serial) that starts with =, +,
/// -, @, tab or carriage return would be run as a formula by Excel or LibreOffice when the CSV is opened (CSV
/// injection); a leading apostrophe keeps it plain text. The Excel files do not need it: their cells are written as
/// inline strings, which Excel shows as typed and never runs (an apostrophe there would be printed on the form).</summary>
public static class SpreadsheetText
{
    public static string Neutralise(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return StartsLikeFormula(value[0]) ? "'" + value : value;
    }

    /// <summary>Whether text starting with this character is neutralised. The characters are ASCII, so the first byte
    /// of UTF-8 text can be tested the same way.</summary>
    public static bool StartsLikeFormula(char first) => first is '=' or '+' or '-' or '@' or '\t' or '\r';
}
