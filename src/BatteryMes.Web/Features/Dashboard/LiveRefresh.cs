using BatteryMes.Web.Features.LiveUpdates;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>One dashboard panel's subscription to <see cref="PackChangeFeed"/>: the first change after a quiet spell
/// schedules one refresh after the delay, and further changes until then ride along with it. Dispose it with the panel.</summary>
public sealed class LiveRefresh : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly Func<Task> _refresh;
    private readonly TimeSpan _delay;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private int _pending;

    public LiveRefresh(PackChangeFeed feed, TimeSpan delay, Func<Task> refresh, ILogger log)
    {
        _refresh = refresh;
        _delay = delay;
        _log = log;
        _subscription = feed.Subscribe(OnChange);
    }

    private Task OnChange(PackChange change)
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0) _ = RefreshSoonAsync();
        return Task.CompletedTask;
    }

    private async Task RefreshSoonAsync()
    {
        try
        {
            await Task.Delay(_delay, _stop.Token);
            // Cleared before the read, so a save that lands during the read schedules the next one.
            Volatile.Write(ref _pending, 0);
            await _refresh();
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The circuit went away between the change and the refresh.
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _pending, 0);
            _log.LogWarning(ex, "A dashboard panel could not refresh after a change");
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _stop.Cancel();
        _stop.Dispose();
    }
}
