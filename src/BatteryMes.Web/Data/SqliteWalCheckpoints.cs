using BatteryMes.Web.Configuration;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Web.Data;

/// <summary>Copies committed pages from the SQLite write-ahead log into the database file once a second, off the save
/// path. Left to itself, SQLite runs that checkpoint inside whichever commit pushes the log past 1,000 pages (about 25
/// saves of a full stage), and that one save then waits for the page writes and two fsyncs. A PASSIVE checkpoint here
/// never blocks readers or writers. Checkpointing once a second alone does not keep commits out of it: the log is only
/// started again from its beginning when a write finds everything copied, so under steady saves it still passes 1,000
/// pages now and then; the app's connections therefore raise SQLite's threshold to <see cref="CommitCheckpointPages"/>
/// (DatabaseSetup), which a commit reaches only when this service has not been able to checkpoint for a long time.</summary>
public sealed class SqliteWalCheckpoints(DatabaseTarget target, ILogger<SqliteWalCheckpoints> log, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Log size in pages (4 KB each) from which a commit checkpoints by itself: the safety net for when this
    /// service is not running or failing (a tool without the host, a read-only moment), about 40 MB of log.</summary>
    public const int CommitCheckpointPages = 10_000;

    private bool _failing;

    // ReadWrite, not ReadWriteCreate: before start-up has created the database (or while it is missing), a checkpoint
    // must not make an empty file in its place.
    private readonly Lazy<string> _connectionString = new(() =>
        new SqliteConnectionStringBuilder(target.ConnectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString());
    private int _ticks;

    /// <summary>How many times the loop has run (for tests and diagnostics).</summary>
    public int Ticks => Volatile.Read(ref _ticks);

    /// <summary>Why the last checkpoint failed, or null when it worked.</summary>
    public string? LastProblem { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (target.SqliteFile is null) return;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await Task.Run(CheckpointOnce, stoppingToken);
                Interlocked.Increment(ref _ticks);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One PASSIVE checkpoint now (what the loop does every second).</summary>
    public void CheckpointOnce()
    {
        if (target.SqliteFile is null || !File.Exists(target.SqliteFile + "-wal")) return;
        try
        {
            using var connection = new SqliteConnection(_connectionString.Value);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            command.ExecuteNonQuery();
            if (_failing) log.LogInformation("WAL checkpoints of {Database} work again", target.SqliteFile);
            _failing = false;
            LastProblem = null;
        }
        catch (SqliteException ex)
        {
            // Read-only file, full disk, a restore holding the lock: the commits' own checkpoint still covers it.
            LastProblem = ex.Message;
            if (!_failing) log.LogWarning(ex, "WAL checkpoint of {Database} failed; SQLite will checkpoint inside commits until this works again", target.SqliteFile);
            _failing = true;
        }
    }
}
