using BatteryMes.Web.Features.Operations;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>What the data entry page tells an operator when the database, not the input, stopped an action: a
/// database that cannot be written (read-only, full) or cannot be reached (server stopped, network down). Both are
/// expected shop-floor faults: the page says so in plain words and keeps the entries; anything else is a bug and goes
/// to the error boundary and the log.</summary>
public static class DatabaseFault
{
    public static string? Describe(Exception exception) =>
        DatabaseWriteRefusal.Describe(exception) ?? (DatabaseOutage.IsOutage(exception) ? DatabaseOutage.OperatorMessage : null);
}
