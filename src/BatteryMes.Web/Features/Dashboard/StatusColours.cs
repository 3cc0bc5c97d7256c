using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>The one place that decides how a stored status looks, on every page (dashboard, data entry, reports):
/// an in-process pack and an in-progress stage share one colour everywhere. The words are the plant's
/// (<see cref="StatusText"/>); colours are only added, never decided by other pages.</summary>
public static class StatusColours
{
    private const string Grey = "#eceff1", Amber = "#ffe082", LightBlue = "#81d4fa", Green = "#2e7d32", Red = "#c62828";
    private const string Dark = "#263238", White = "#ffffff";

    public static string Background(StageStatus status) => status switch
    {
        StageStatus.InProgress => Amber,
        StageStatus.ReadyToComplete => LightBlue,
        StageStatus.Completed => Green,
        StageStatus.QcNotOk => Red,
        _ => Grey,
    };

    public static string Foreground(StageStatus status) =>
        status is StageStatus.Completed or StageStatus.QcNotOk ? White : Dark;

    /// <summary>A pack's colour is the colour of the stage status that decides it.</summary>
    public static StageStatus LooksLike(PackStatus status) => status switch
    {
        PackStatus.InProcess => StageStatus.InProgress,
        PackStatus.QcIssues => StageStatus.QcNotOk,
        PackStatus.ReadyForDispatch => StageStatus.Completed,
        _ => StageStatus.NotStarted,
    };

    public static string Background(PackStatus status) => Background(LooksLike(status));

    public static string Foreground(PackStatus status) => Foreground(LooksLike(status));

    /// <summary>The colour for a figure or text about this status on a white page (a pale background colour would not
    /// read as text): the in-progress amber darkened to orange, grey to the body text colour.</summary>
    public static string Accent(PackStatus status) => status switch
    {
        PackStatus.InProcess => "#ef6c00",
        PackStatus.NotStarted => Dark,
        _ => Background(status),
    };

    /// <summary>Short cell texts for the tracker's narrow stage cells; <see cref="CellLegend"/> explains them.</summary>
    public static string CellText(StageStatus status) => status switch
    {
        StageStatus.NotStarted => "-",
        StageStatus.InProgress => "IP",
        StageStatus.ReadyToComplete => "RC",
        StageStatus.Completed => "OK",
        StageStatus.QcNotOk => "NOK",
        _ => status.ToText(),
    };

    /// <summary>"IP = In progress" and so on, for the legend beside the tracker.</summary>
    public static string CellLegend(StageStatus status) => $"{CellText(status)} = {status.ToText()}";

    public static string CellStyle(StageStatus status) => $"background:{Background(status)};color:{Foreground(status)}";

    public static string CellStyle(PackStatus status) => CellStyle(LooksLike(status));

    /// <summary>First-pass yield bands of the quality chart, best first, with the words of its legend.</summary>
    public static IReadOnlyList<(string Colour, string Meaning)> YieldBands { get; } =
    [
        (Green, "95 % or more"),
        ("#f9a825", "85 % to 95 %"),
        (Red, "below 85 %"),
        ("#b0bec5", "nothing finished yet"),
    ];

    public static string YieldColour(double? yield) =>
        yield is null ? YieldBands[3].Colour : yield >= 0.95 ? YieldBands[0].Colour : yield >= 0.85 ? YieldBands[1].Colour : YieldBands[2].Colour;
}
