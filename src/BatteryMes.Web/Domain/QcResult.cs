namespace BatteryMes.Web.Domain;

/// <summary>A module's result for one check. Stored as a small number; shown in the plant's words.</summary>
public enum QcResult : byte
{
    Empty = 0,
    Ok = 1,
    NotOk = 2,
    NotApplicable = 3,
}

public static class QcResultText
{
    public const string Ok = "OK";
    public const string NotOk = "NOT OK";
    public const string NotApplicable = "N/A";

    public static string ToText(this QcResult result) => result switch
    {
        QcResult.Ok => Ok,
        QcResult.NotOk => NotOk,
        QcResult.NotApplicable => NotApplicable,
        _ => "",
    };

    /// <summary>Reads "OK", "NOT OK", "N/A" (case and spacing tolerant: "not ok", "NOT_OK", "NA").
    /// Null or blank means "no result given".</summary>
    public static bool TryParse(string? text, out QcResult result)
    {
        result = QcResult.Empty;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var key = new string(text.Where(char.IsLetter).ToArray()).ToUpperInvariant();
        switch (key)
        {
            case "OK": result = QcResult.Ok; return true;
            case "NOTOK": case "NOK": result = QcResult.NotOk; return true;
            case "NA": result = QcResult.NotApplicable; return true;
            default: return false;
        }
    }

    public static bool HasValue(this QcResult result) => result != QcResult.Empty;
}

public enum Module
{
    X,
    Y,
}
