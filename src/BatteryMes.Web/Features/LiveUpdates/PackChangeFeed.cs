using System.Collections.Immutable;

namespace BatteryMes.Web.Features.LiveUpdates;

public enum PackChangeKind
{
    Created,
    Saved,
    Completed,
    Reopened,
    /// <summary>The whole database was replaced (a backup restored): every page should reload.</summary>
    DatabaseRestored,
    /// <summary>Something else that dashboards show changed (e.g. the production target).</summary>
    PlanChanged,
}

/// <summary>What changed. Published only after the change has been committed.</summary>
public sealed record PackChange(PackChangeKind Kind, string? PackId, int? StageNumber, DateTime AtUtc)
{
    /// <summary>Null for a change made in this app instance; the id of the other instance for a change relayed from it
    /// (PostgreSQL LISTEN/NOTIFY), so that the relay never sends a relayed change back out.</summary>
    public string? FromInstance { get; init; }
}

/// <summary>Singleton notifier inside the process: data entry and the API publish after each commit; the backup
/// service and every open dashboard subscribe. One failing subscriber never throws into the publisher.</summary>
public sealed class PackChangeFeed(ILogger<PackChangeFeed> log)
{
    private ImmutableArray<Subscription> _subscribers = [];

    /// <summary>Subscribe; dispose the result to stop (do so in the component's Dispose).</summary>
    public IDisposable Subscribe(Func<PackChange, Task> handler)
    {
        var subscription = new Subscription(this, handler);
        ImmutableInterlocked.Update(ref _subscribers, list => list.Add(subscription));
        return subscription;
    }

    public int SubscriberCount => _subscribers.Length;

    /// <summary>Counts the changes published so far: a result read while the version was unchanged is still current
    /// (the dashboard shares its figures across circuits by it).</summary>
    public long Version => Interlocked.Read(ref _version);

    private long _version;

    /// <summary>Tells every subscriber; returns once all have been called (each handler should be quick:
    /// components re-render through InvokeAsync, the backup service only raises a flag).</summary>
    public async Task PublishAsync(PackChange change)
    {
        Interlocked.Increment(ref _version);
        foreach (var subscription in _subscribers)
        {
            try
            {
                await subscription.Handler(change);
            }
            catch (Exception ex)
            {
                log.LogWarning(ex, "A subscriber failed to handle {ChangeKind} of pack {PackId}", change.Kind, change.PackId);
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        ImmutableInterlocked.Update(ref _subscribers, list => list.Remove(subscription));
    }

    private sealed class Subscription(PackChangeFeed owner, Func<PackChange, Task> handler) : IDisposable
    {
        public Func<PackChange, Task> Handler { get; } = handler;
        public void Dispose() => owner.Remove(this);
    }
}
