namespace BatteryMes.Web.Domain;

/// <summary>Status of one stage of one pack. Numbers are stored; do not renumber.</summary>
public enum StageStatus : byte
{
    NotStarted = 0,
    InProgress = 1,
    ReadyToComplete = 2,
    Completed = 3,
    QcNotOk = 4,
}

/// <summary>Overall status of a pack. Numbers are stored; do not renumber.</summary>
public enum PackStatus : byte
{
    NotStarted = 0,
    InProcess = 1,
    QcIssues = 2,
    ReadyForDispatch = 3,
}

public static class StatusText
{
    public static string ToText(this StageStatus status) => status switch
    {
        StageStatus.NotStarted => "Not started",
        StageStatus.InProgress => "In progress",
        StageStatus.ReadyToComplete => "Ready to complete",
        StageStatus.Completed => "Completed (QC OK)",
        StageStatus.QcNotOk => "QC NOT OK",
        _ => status.ToString(),
    };

    public static string ToText(this PackStatus status) => status switch
    {
        PackStatus.NotStarted => "Not started",
        PackStatus.InProcess => "In process",
        PackStatus.QcIssues => "QC issues",
        PackStatus.ReadyForDispatch => "Ready for dispatch",
        _ => status.ToString(),
    };

    public static bool TryParseStage(string? text, out StageStatus status) => TryParse(text, out status, ToText);
    public static bool TryParsePack(string? text, out PackStatus status) => TryParse(text, out status, ToText);

    /// <summary>Accepts the enum name ("QcNotOk"), the display words ("QC NOT OK") or the words without
    /// their parenthesis ("Completed"), any case and spacing.</summary>
    private static bool TryParse<T>(string? text, out T value, Func<T, string> toText) where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var wanted = Normalize(text);
        foreach (var candidate in Enum.GetValues<T>())
        {
            var words = toText(candidate);
            var paren = words.IndexOf('(');
            if (Normalize(candidate.ToString()) == wanted || Normalize(words) == wanted
                || (paren > 0 && Normalize(words[..paren]) == wanted))
            {
                value = candidate;
                return true;
            }
        }
        return false;
    }

    private static string Normalize(string s) => new string(s.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();
}
