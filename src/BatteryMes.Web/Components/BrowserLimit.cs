namespace BatteryMes.Web.Components;

/// <summary>The maxlength the browser gets for a text field whose value the server accepts up to a limit.</summary>
public static class BrowserLimit
{
    /// <summary>One character above what is accepted. The browser then never sends a pasted megabyte to the circuit
    /// (more than Blazor Server's incoming message limit drops the connection), and a text that is too long still
    /// reaches the server one character too long, so it is refused with a message that names the limit instead of
    /// being cut off silently.</summary>
    public static int Above(int accepted) => accepted + 1;
}
