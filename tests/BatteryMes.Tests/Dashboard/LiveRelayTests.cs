using System.Collections.Concurrent;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static BatteryMes.Tests.Dashboard.DashboardTestData;

namespace BatteryMes.Tests.Dashboard;

public class LiveRelayTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Should_carry_a_save_in_one_app_instance_to_the_other_on_one_postgresql_database_without_echo()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        // Two whole app instances (hosts with their hosted services) sharing one database.
        await using var first = new MesAppFactory(database);
        await using var second = new MesAppFactory(database);
        var firstRelay = first.Services.GetRequiredService<PostgresChangeRelay>();
        var secondRelay = second.Services.GetRequiredService<PostgresChangeRelay>();
        await firstRelay.Listening.WaitAsync(Patience);
        await secondRelay.Listening.WaitAsync(Patience);
        Assert.NotEqual(firstRelay.InstanceId, secondRelay.InstanceId);
        var seenByFirst = Watch(first.Services);
        var seenBySecond = Watch(second.Services);

        await CreateAsync(first.Services.GetRequiredService<PackRecorder>(), "BP-FROM-FIRST");
        var relayed = await seenBySecond.NextAsync(c => c.PackId == "BP-FROM-FIRST");
        Assert.Equal((PackChangeKind.Created, firstRelay.InstanceId), (relayed.Kind, relayed.FromInstance));

        // The answer goes the other way. Notifications arrive in order, so an echo of the first change
        // (sent back by the second instance, or taken for news by the first) would arrive before it.
        await first.Services.GetRequiredService<ProductionPlan>().SetTargetAsync(new DateOnly(2026, 3, 2), 50, null);
        await seenBySecond.NextAsync(c => c.Kind == PackChangeKind.PlanChanged);
        await CreateAsync(second.Services.GetRequiredService<PackRecorder>(), "BP-FROM-SECOND");
        await seenByFirst.NextAsync(c => c.PackId == "BP-FROM-SECOND");

        Assert.Equal(
            [(PackChangeKind.Created, "BP-FROM-FIRST", null), (PackChangeKind.PlanChanged, null, null), (PackChangeKind.Created, "BP-FROM-SECOND", secondRelay.InstanceId)],
            seenByFirst.All.Select(c => (c.Kind, c.PackId, c.FromInstance)));
        Assert.Equal(
            [(PackChangeKind.Created, "BP-FROM-FIRST", firstRelay.InstanceId), (PackChangeKind.PlanChanged, null, firstRelay.InstanceId), (PackChangeKind.Created, "BP-FROM-SECOND", null)],
            seenBySecond.All.Select(c => (c.Kind, c.PackId, c.FromInstance)));
    }

    [Fact]
    public async Task Should_listen_again_after_postgresql_drops_the_channel_and_carry_the_changes_made_after()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        await using var first = new MesAppFactory(database);
        await using var second = new MesAppFactory(database);
        await first.Services.GetRequiredService<PostgresChangeRelay>().Listening.WaitAsync(Patience);
        await second.Services.GetRequiredService<PostgresChangeRelay>().Listening.WaitAsync(Patience);
        var seenBySecond = Watch(second.Services);
        await using var admin = new NpgsqlConnection(database.ConnectionString);
        await admin.OpenAsync();

        // A database restart or a network drop ends the listeners' sessions.
        var ended = await ListenersAsync(admin, "pg_terminate_backend(pid)");
        Assert.Equal(2, ended.Count);

        var deadline = DateTime.UtcNow + Patience;
        List<int> listening;
        do
        {
            await Task.Delay(200);
            listening = await ListenersAsync(admin, "pid");
        } while (listening.Count < 2 && DateTime.UtcNow < deadline);
        Assert.Equal(2, listening.Count);
        Assert.Empty(listening.Intersect(ended));

        await CreateAsync(first.Services.GetRequiredService<PackRecorder>(), "BP-AFTER-DROP");
        var relayed = await seenBySecond.NextAsync(c => c.PackId == "BP-AFTER-DROP");
        Assert.Equal(PackChangeKind.Created, relayed.Kind);
    }

    /// <summary>Runs <paramref name="select"/> (an expression of pid) over this database's live-update listeners.</summary>
    private static async Task<List<int>> ListenersAsync(NpgsqlConnection admin, string select)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT pid, {select} FROM pg_stat_activity WHERE datname = current_database() AND application_name = @name", admin);
        command.Parameters.AddWithValue("name", PostgresChangeRelay.ListenerApplicationName);
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) pids.Add(reader.GetInt32(0));
        return pids;
    }

    [Fact]
    public async Task Should_send_a_change_made_the_moment_the_relay_has_started()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.PostgreSQL);
        await using var services = await database.StartAsync();
        // Another instance's ear on the channel, in place before this relay starts.
        await using var otherInstance = new NpgsqlConnection(database.ConnectionString);
        await otherInstance.OpenAsync();
        var heard = new ConcurrentQueue<string>();
        otherInstance.Notification += (_, e) => heard.Enqueue(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresChangeRelay.ChannelName}", otherInstance))
            await listen.ExecuteNonQueryAsync();
        var relay = services.GetRequiredService<PostgresChangeRelay>();
        var feed = services.GetRequiredService<PackChangeFeed>();

        await relay.StartAsync(CancellationToken.None);
        try
        {
            // Since .NET 10 ExecuteAsync runs on its own thread: the relay must already listen to the feed when
            // StartAsync returns, or a save in the first moments never reaches the other instances.
            Assert.Equal(1, feed.SubscriberCount);
            await feed.PublishAsync(new PackChange(PackChangeKind.Created, "BP-AT-START", null, DateTime.UtcNow));

            var deadline = DateTime.UtcNow + Patience;
            while (!heard.Any(p => p.Contains("BP-AT-START", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
                await otherInstance.WaitAsync(TimeSpan.FromMilliseconds(500));
            Assert.Contains(heard, p => p.Contains("BP-AT-START", StringComparison.Ordinal) && p.Contains(relay.InstanceId, StringComparison.Ordinal));
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
        }
        Assert.Equal(0, feed.SubscriberCount);
    }

    [Fact]
    public async Task Should_stay_idle_on_sqlite()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        var relay = app.Services.GetRequiredService<PostgresChangeRelay>();

        await relay.Listening.WaitAsync(Patience);

        // One process owns a SQLite file: the relay returns at once and never subscribes or connects.
        Assert.True(relay.ExecuteTask is { IsCompletedSuccessfully: true });
    }

    private static ChangeWatcher Watch(IServiceProvider services) => new(services.GetRequiredService<PackChangeFeed>());

    private sealed class ChangeWatcher
    {
        private readonly ConcurrentQueue<PackChange> _all = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public ChangeWatcher(PackChangeFeed feed) => feed.Subscribe(c =>
        {
            _all.Enqueue(c);
            _arrived.Release();
            return Task.CompletedTask;
        });

        public IReadOnlyList<PackChange> All => _all.ToList();

        public async Task<PackChange> NextAsync(Func<PackChange, bool> match)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                if (_all.FirstOrDefault(match) is { } hit) return hit;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
                    throw new TimeoutException($"No such change arrived within {Patience}; seen: {string.Join(", ", _all)}");
            }
        }
    }
}
