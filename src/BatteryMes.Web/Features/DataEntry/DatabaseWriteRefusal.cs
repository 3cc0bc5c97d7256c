using Microsoft.Data.Sqlite;
using Npgsql;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>Recognises "the database cannot be written right now" (the SQLite file or its disk made read-only, the disk
/// full, a PostgreSQL server in read-only mode) and says so in words an operator can act on. Reads keep working in all
/// these cases, so only the save is refused; nothing already stored is touched.</summary>
public static class DatabaseWriteRefusal
{
    public const string Title = "The database cannot be written";

    private const string WhomToCall =
        "Pages and reports still show the stored data. Call the person who looks after the Battery MES server (IT or the line's system administrator); " +
        "saves work again as soon as the database can be written.";

    private const int SqliteReadOnly = 8, SqliteFull = 13;
    private const string PostgresReadOnlyTransaction = "25006";

    /// <summary>The plain-words reason, or null when the exception is something else (it then goes on to the error
    /// boundary and the log as before).</summary>
    /// <remarks>A SQLite connection opened while the file was read-only stays read-only for its lifetime; the pool is
    /// dropped here so the first save after the file is writable again gets a fresh, writable connection.</remarks>
    public static string? Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteReadOnly }:
                    SqliteConnection.ClearAllPools();
                    return "Nothing was saved: the database is read-only (its file, folder or disk has been made read-only). " + WhomToCall;
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return "Nothing was saved: the disk that holds the database is full. " + WhomToCall;
                case PostgresException { SqlState: PostgresReadOnlyTransaction }:
                    return "Nothing was saved: the database server accepts no changes at the moment (read-only mode). " + WhomToCall;
            }
        }
        return null;
    }

    private static bool IsSqliteReadOnly(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SqliteException { SqliteErrorCode: SqliteReadOnly }) return true;
        return false;
    }

    /// <summary>Endpoint filter for the data entry API: a refused write becomes a 503 problem with the reason.</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            try
            {
                return await next(context);
            }
            catch (Exception ex) when (IsSqliteReadOnly(ex))
            {
                // A pooled connection opened while the file was read-only stays so after the file is writable again.
                // The refused write was rolled back, so running it once more on a fresh connection is safe.
                SqliteConnection.ClearAllPools();
                return await next(context);
            }
        }
        catch (Exception ex) when (Describe(ex) is { } reason)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseWriteRefusal))
                .LogError(ex, "A write to the database was refused ({Path}): {Reason}", context.HttpContext.Request.Path.Value, reason);
            return Results.Problem(reason, statusCode: StatusCodes.Status503ServiceUnavailable, title: Title);
        }
    }
}
