using System.Text.Json;
using System.Threading.Channels;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using Npgsql;
using Polly;
using Polly.Retry;

namespace BatteryMes.Web.Features.LiveUpdates;

/// <summary>Carries <see cref="PackChangeFeed"/> changes between app instances that share one PostgreSQL database:
/// every local change is sent with NOTIFY, and every notification from another instance is published into the local
/// feed (marked <see cref="PackChange.FromInstance"/>, so it is never sent out again). Each instance has its own id
/// and ignores its own notifications. With SQLite (one process) it does nothing.</summary>
public sealed class PostgresChangeRelay(DatabaseTarget database, PackChangeFeed feed, ILogger<PostgresChangeRelay> log) : BackgroundService
{
    public const string ChannelName = "batterymes_pack_changes";
    /// <summary>The listener's application name, as PostgreSQL's pg_stat_activity shows it.</summary>
    public const string ListenerApplicationName = "Battery MES live updates";
    private static readonly Func<RetryPredicateArguments<object>, ValueTask<bool>> TransientFaults =
        new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException);
    private readonly Channel<PackChange> _outgoing = Channel.CreateBounded<PackChange>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDisposable? _subscription;

    /// <summary>Connecting the listener: retried for as long as the app runs, waiting 1 s, 2 s, 4 s ... up to 30 s
    /// (with jitter, so instances restarted together do not reconnect in step).</summary>
    private readonly ResiliencePipeline _reconnect = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = TransientFaults,
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(30),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = args =>
            {
                log.LogWarning(args.Outcome.Exception, "Cannot reach PostgreSQL for the live-update channel {Channel} (attempt {Attempt}); trying again in {Delay}",
                    ChannelName, args.AttemptNumber + 1, args.RetryDelay);
                return default;
            },
        })
        .Build();

    /// <summary>Sending one notification: two quick retries on a fresh connection, so a dropped connection does not
    /// cost other instances a change.</summary>
    private readonly ResiliencePipeline _send = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = TransientFaults,
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
        })
        .Build();

    /// <summary>This instance's id, carried in every notification it sends.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Completes once the first LISTEN is in place (tests wait for it before they save).</summary>
    public Task Listening => _listening.Task;

    /// <summary>Subscribes to local changes from the moment the service has started: since .NET 10, ExecuteAsync runs
    /// on its own thread, so a subscription made there could miss the changes of the first moments. Changes wait in
    /// the outgoing queue until the sender has its connection.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.Provider == DatabaseProvider.PostgreSQL)
            _subscription ??= feed.Subscribe(change =>
            {
                // Only changes made here go out; relayed ones came from another instance already.
                if (change.FromInstance is null) _outgoing.Writer.TryWrite(change);
                return Task.CompletedTask;
            });
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
        if (database.Provider != DatabaseProvider.PostgreSQL)
        {
            _listening.TrySetResult();
            return;
        }
        await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            NpgsqlConnection connection;
            try
            {
                connection = await _reconnect.ExecuteAsync(ConnectListenerAsync, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            await using (connection)
            {
                log.LogInformation("Live updates relayed between app instances through PostgreSQL channel {Channel} as instance {Instance}", ChannelName, InstanceId);
                _listening.TrySetResult();
                try
                {
                    while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    log.LogWarning(ex, "Lost the PostgreSQL live-update channel {Channel}; reconnecting", ChannelName);
                }
            }
        }
    }

    private async ValueTask<NpgsqlConnection> ConnectListenerAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(ListenerConnectionString());
        try
        {
            await connection.OpenAsync(ct);
            connection.Notification += (_, e) => OnNotification(e.Payload);
            await using var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection);
            await listen.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task SendAsync(CancellationToken ct)
    {
        NpgsqlConnection? connection = null;
        try
        {
            await foreach (var change in _outgoing.Reader.ReadAllAsync(ct))
            {
                var payload = JsonSerializer.Serialize(new RelayMessage(InstanceId, change.Kind, change.PackId, change.StageNumber, change.AtUtc));
                try
                {
                    await _send.ExecuteAsync(async token =>
                    {
                        try
                        {
                            if (connection is null)
                            {
                                connection = new NpgsqlConnection(database.ConnectionString);
                                await connection.OpenAsync(token);
                            }
                            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                            notify.Parameters.AddWithValue("channel", ChannelName);
                            notify.Parameters.AddWithValue("payload", payload);
                            await notify.ExecuteNonQueryAsync(token);
                        }
                        catch (Exception) when (!token.IsCancellationRequested)
                        {
                            // The next attempt starts on a fresh connection.
                            if (connection is not null) await connection.DisposeAsync();
                            connection = null;
                            throw;
                        }
                    }, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Other instances miss this one change; they catch up with the next. Never fail the saver.
                    log.LogWarning(ex, "Could not tell other app instances about {ChangeKind} of pack {PackId}", change.Kind, change.PackId);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    private void OnNotification(string payload)
    {
        RelayMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<RelayMessage>(payload);
        }
        catch (JsonException ex)
        {
            log.LogWarning(ex, "Ignored an unreadable notification on {Channel}", ChannelName);
            return;
        }
        if (message is null || message.Instance == InstanceId) return;
        var change = new PackChange(message.Kind, message.PackId, message.Stage, message.AtUtc) { FromInstance = message.Instance };
        // Npgsql raises Notification on the listener's loop: hand the change on so slow subscribers never stall it.
        _ = Task.Run(() => feed.PublishAsync(change));
    }

    /// <summary>LISTEN holds its connection for the life of the app: keep it out of the pool the DbContexts use,
    /// and without a command timeout, since it waits for notifications indefinitely.</summary>
    private string ListenerConnectionString() =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false, KeepAlive = 30, CommandTimeout = 0, ApplicationName = ListenerApplicationName }.ToString();

    private sealed record RelayMessage(string Instance, PackChangeKind Kind, string? PackId, int? Stage, DateTime AtUtc);
}
