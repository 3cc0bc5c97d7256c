using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>How a stored status looks on the dashboard. The words are the plant's (<see cref="StatusText"/>);
/// colours are only added, never decided, here.</summary>
public static class StatusColours
{
    public static string Background(StageStatus status) => status switch
    {
        StageStatus.InProgress => "#ffe082",
        StageStatus.ReadyToComplete => "#81d4fa",
        StageStatus.Completed => "#2e7d32",
        StageStatus.QcNotOk => "#c62828",
        _ => "#eceff1",
    };

    public static string Foreground(StageStatus status) =>
        status is StageStatus.Completed or StageStatus.QcNotOk ? "#ffffff" : "#263238";

    /// <summary>The short cell text: the plant's words, shortened only where a cell is too narrow.</summary>
    public static string CellText(StageStatus status) => status switch
    {
        StageStatus.NotStarted => "-",
        StageStatus.ReadyToComplete => "Ready",
        StageStatus.Completed => "QC OK",
        _ => status.ToText(),
    };

    public static string CellStyle(StageStatus status) => $"background:{Background(status)};color:{Foreground(status)}";

    public static MudBlazor.Color PackColour(PackStatus status) => status switch
    {
        PackStatus.InProcess => MudBlazor.Color.Info,
        PackStatus.QcIssues => MudBlazor.Color.Error,
        PackStatus.ReadyForDispatch => MudBlazor.Color.Success,
        _ => MudBlazor.Color.Default,
    };
}
