using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace BatteryMes.Web.Data;

/// <summary>What kind of database failure an exception is, in the terms the boundary (page, API) answers in.</summary>
public enum DatabaseFaultKind
{
    /// <summary>Not a database fault we recognise: a bug or a plain error; it goes on to the error boundary and the log.</summary>
    Other,
    /// <summary>PostgreSQL stopped or unreachable, the SQLite file unreadable or busy beyond its timeout: try again later.</summary>
    Unreachable,
    /// <summary>The SQLite file, its folder or disk made read-only, or a PostgreSQL server in read-only mode.</summary>
    ReadOnly,
    /// <summary>The disk that holds the SQLite database is full.</summary>
    DiskFull,
}

/// <summary>The one place that reads a database exception (walking its inner exceptions) and says which
/// <see cref="DatabaseFaultKind"/> it is, with the words the operator and an API client are given. Reads keep working
/// when the database cannot be written, so only the write is refused; nothing already stored is touched. Retrying
/// stays with the provider's execution strategy (whole transactions); this only decides what is said once those
/// retries are spent.</summary>
/// <remarks>Classifying has no side effect. The one repair a boundary must make, dropping SQLite connections that
/// stay read-only, is <see cref="DropStaleConnections"/>, called where the fault is answered.</remarks>
public sealed record DatabaseFault(DatabaseFaultKind Kind, bool OnSqlite)
{
    public const string UnreachableTitle = "Database unavailable";
    public const string WriteRefusedTitle = "The database cannot be written";
    /// <summary>Seconds an API client is told to wait before it sends the request again (Retry-After), when unreachable.</summary>
    public const int RetryAfterSeconds = 5;

    private const string WhomToCall =
        "Pages and reports still show the stored data. Call the person who looks after the Battery MES server (IT or the line's system administrator); " +
        "saves work again as soon as the database can be written.";

    // SQLite primary result codes (low byte) that mean "cannot get at the file now", not "your data is wrong".
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteReadOnly = 8, SqliteIoError = 10, SqliteFull = 13, SqliteCannotOpen = 14;
    private const string PostgresReadOnlyTransaction = "25006";

    public static readonly DatabaseFault None = new(DatabaseFaultKind.Other, OnSqlite: false);

    public static DatabaseFault Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException s:
                    switch (s.SqliteErrorCode & 0xFF)
                    {
                        case SqliteReadOnly: return new(DatabaseFaultKind.ReadOnly, OnSqlite: true);
                        case SqliteFull: return new(DatabaseFaultKind.DiskFull, OnSqlite: true);
                        case SqliteBusy or SqliteLocked or SqliteIoError or SqliteCannotOpen: return new(DatabaseFaultKind.Unreachable, OnSqlite: true);
                    }
                    return None; // a constraint violation, a syntax error: a bug or bad data, not a fault of the database
                case PostgresException { SqlState: PostgresReadOnlyTransaction }:
                    return new(DatabaseFaultKind.ReadOnly, OnSqlite: false);
                // Serialization failures and deadlocks are transient too, but they are contention, not an outage.
                case PostgresException p when p.SqlState.StartsWith("40", StringComparison.Ordinal):
                    return None;
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                    return new(DatabaseFaultKind.Unreachable, OnSqlite: false);
                case RetryLimitExceededException:
                    continue; // the provider gave up retrying: judge by what it was retrying
            }
        }
        return None;
    }

    public bool IsKnown => Kind != DatabaseFaultKind.Other;

    /// <summary>A SQLite connection opened while the file was read-only stays read-only for its lifetime, also after
    /// the file is writable again; such connections must leave the pool before the next attempt.</summary>
    public bool LeavesStaleConnections => Kind == DatabaseFaultKind.ReadOnly && OnSqlite;

    /// <summary>Drops the pooled SQLite connections when this fault leaves them stale (see
    /// <see cref="LeavesStaleConnections"/>), so the next save opens a fresh, writable one. Does nothing otherwise.</summary>
    public void DropStaleConnections()
    {
        if (LeavesStaleConnections) SqliteConnection.ClearAllPools();
    }

    public string Title => Kind == DatabaseFaultKind.Unreachable ? UnreachableTitle : WriteRefusedTitle;

    /// <summary>For the page: what happened and what to do, with the entries kept as a draft.</summary>
    public string OperatorMessage => Kind switch
    {
        DatabaseFaultKind.Unreachable => "The database is not reachable; your entries are kept on this device; try Save again in a moment.",
        _ => WriteRefusedReason,
    };

    /// <summary>For the JSON API (ProblemDetails detail).</summary>
    public string ApiDetail => Kind switch
    {
        DatabaseFaultKind.Unreachable =>
            "The database is not reachable right now. Send the request again in a moment; repeating a save does no harm (values that are already stored are left as they are).",
        _ => WriteRefusedReason,
    };

    private string WriteRefusedReason => Kind switch
    {
        DatabaseFaultKind.ReadOnly when OnSqlite => "Nothing was saved: the database is read-only (its file, folder or disk has been made read-only). " + WhomToCall,
        DatabaseFaultKind.ReadOnly => "Nothing was saved: the database server accepts no changes at the moment (read-only mode). " + WhomToCall,
        DatabaseFaultKind.DiskFull => "Nothing was saved: the disk that holds the database is full. " + WhomToCall,
        _ => "",
    };
}
