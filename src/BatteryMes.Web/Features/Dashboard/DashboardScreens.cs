using System.Collections.Concurrent;
using BatteryMes.Web.Features.LiveUpdates;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>The dashboard's figures as every open dashboard shows them, read once and shared by all circuits: idle
/// dashboards hold one copy of a screen's results instead of one each, and a save costs one read per panel, not one
/// per open dashboard (they all refresh at the same moment after a change). A result holds while the
/// <see cref="PackChangeFeed.Version"/> it was read at is current, and at most <see cref="Lifetime"/>, since the plant
/// clock moves on ("completed today") without any change. The results are immutable records.</summary>
public sealed class DashboardScreens(DashboardQueries queries, PackChangeFeed feed, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<object, Entry> _entries = new();

    public Task<(HeadlineNumbers Headline, IReadOnlyList<StageLoad> Stages)> GetLineAsync() =>
        GetAsync("line", () => queries.GetLineAsync());

    public Task<PlanVsActual> GetPlanVsActualAsync(DashboardPeriod period) =>
        GetAsync(("plan", period), () => queries.GetPlanVsActualAsync(period));

    public Task<QualityFigures> GetQualityAsync(DashboardPeriod period) =>
        GetAsync(("quality", period), () => queries.GetQualityAsync(period));

    /// <summary>Unfiltered pages (what an idle dashboard shows) are shared; a search or filter is one person's and is
    /// read for them alone.</summary>
    public Task<TrackerPage> GetTrackerPageAsync(TrackerQuery query, CancellationToken ct) =>
        query is { Search: null or "", Status: null, Stage: null, RegisteredFrom: null, RegisteredTo: null }
            ? GetAsync(query, () => queries.GetTrackerPageAsync(query)).WaitAsync(ct)
            : queries.GetTrackerPageAsync(query, ct);

    private async Task<T> GetAsync<T>(object key, Func<Task<T>> read)
    {
        // The version is taken before the read: a change that commits during the read makes the result stale at once.
        var version = feed.Version;
        if (_entries.TryGetValue(key, out var cached) && cached.Version == version && time.GetElapsedTime(cached.Started) < Lifetime)
            return await (Task<T>)cached.Result;
        // Not bound to one circuit's cancellation: other circuits may be waiting for the same read.
        var entry = new Entry(version, time.GetTimestamp(), read());
        _entries[key] = entry;
        try
        {
            return await (Task<T>)entry.Result;
        }
        catch
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
            throw;
        }
    }

    private sealed record Entry(long Version, long Started, Task Result);
}
