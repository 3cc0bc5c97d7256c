using System.Threading.Channels;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>Takes a snapshot after saves, completions, reopenings and new packs. The feed handler only raises a flag
/// (a channel of capacity one), so the save that triggered it never waits; changes that arrive while a snapshot runs
/// collapse into the next one, so a burst of ten saves gives one or two snapshots, the last holding all ten.</summary>
public sealed class AutomaticSnapshots(
    PackChangeFeed feed,
    BackupService backups,
    DatabaseTarget target,
    IOptionsMonitor<BackupOptions> options,
    TimeProvider time,
    ILogger<AutomaticSnapshots> log) : BackgroundService
{
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private string _trigger = "saved";
    private int _changes;
    private DateTime? _lastUtc;
    private IDisposable? _subscription;
    private DateTime _startedUtc;

    /// <summary>Listens from the moment the service has started: since .NET 10, ExecuteAsync runs on its own thread,
    /// so a subscription made there could miss the changes of the first moments.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _startedUtc = time.GetUtcNow().UtcDateTime;
        _subscription ??= feed.Subscribe(OnChange);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await FinishInterruptedAsync(stoppingToken);
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                _pending.Reader.TryRead(out _);
                await WaitForThrottleAsync(stoppingToken);
                var startedUtc = time.GetUtcNow().UtcDateTime;
                var trigger = Volatile.Read(ref _trigger);
                var changes = Interlocked.Exchange(ref _changes, 0);
                try
                {
                    await backups.CreateAsync(trigger, changes, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Reported in the Backups tab through LastProblem where expected; anything else lands here.
                    log.LogError(ex, "Automatic snapshot after {ChangeCount} change(s) failed", changes);
                }
                _lastUtc = startedUtc;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Snapshots an earlier run wrote but did not get to check (crash, kill, power cut) are checked before
    /// the first new one; saves meanwhile collapse into the snapshot that follows.</summary>
    private async Task FinishInterruptedAsync(CancellationToken ct)
    {
        try
        {
            await backups.FinishInterruptedAsync(_startedUtc, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Snapshots left unverified by the last run could not be checked");
        }
    }

    private Task OnChange(PackChange change)
    {
        var trigger = change.Kind switch
        {
            PackChangeKind.Saved => "saved",
            PackChangeKind.Completed => "completed",
            PackChangeKind.Reopened => "reopened",
            PackChangeKind.Created => "created",
            _ => null,
        };
        if (trigger is null) return Task.CompletedTask;
        Volatile.Write(ref _trigger, trigger);
        Interlocked.Increment(ref _changes);
        _pending.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    /// <summary>At most one automatic snapshot per interval: MinimumSecondsBetweenSnapshots on SQLite (a small
    /// database copies in milliseconds, and without it a busy line fills the recent window with snapshots seconds
    /// apart), PostgresSnapshotIntervalMinutes on PostgreSQL (exports take longer). The changes are not dropped: the
    /// snapshot runs when the interval is over and holds them all, so the newest snapshot is never more than the
    /// interval plus one copy behind the last acknowledged save.</summary>
    private async Task WaitForThrottleAsync(CancellationToken ct)
    {
        if (_lastUtc is not { } last) return;
        var current = options.CurrentValue;
        var interval = target.Provider == DatabaseProvider.PostgreSQL
            ? TimeSpan.FromMinutes(current.PostgresSnapshotIntervalMinutes)
            : TimeSpan.FromSeconds(current.MinimumSecondsBetweenSnapshots);
        var wait = last + interval - time.GetUtcNow().UtcDateTime;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
    }
}
