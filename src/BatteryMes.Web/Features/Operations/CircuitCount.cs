using Microsoft.AspNetCore.Components.Server.Circuits;

namespace BatteryMes.Web.Features.Operations;

/// <summary>How many Blazor circuits (open browser tabs with a live connection) the app holds now. /health reports it
/// beside the managed heap, so the load run can state memory per circuit from the app's own figures.</summary>
public sealed class CircuitCount
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    /// <summary>Scoped per circuit by Blazor; counts opens and closes into the singleton.</summary>
    public sealed class Tracker(CircuitCount count) : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref count._open);
            return Task.CompletedTask;
        }

        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Decrement(ref count._open);
            return Task.CompletedTask;
        }
    }
}
