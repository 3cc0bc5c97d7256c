using System.Data.Common;
using BatteryMes.Web.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace BatteryMes.Web.Data;

public static class DatabaseSetup
{
    /// <summary>Registers <see cref="IDbContextFactory{MesDbContext}"/> for the configured provider. The contexts are
    /// pooled: a context's internal services are set up once and reset when it is given back, where a new context per
    /// operation spent most of a millisecond setting them up on its first query (a third of a stage save).</summary>
    public static IServiceCollection AddMesDatabase(this IServiceCollection services, DatabaseOptions options, AppHome home)
    {
        var connectionString = EffectiveConnectionString(options, home);
        switch (options.ProviderKind)
        {
            case DatabaseProvider.Sqlite:
                services.AddPooledDbContextFactory<SqliteMesDbContext>(o => ConfigureSqlite(o, connectionString, options.BusyTimeoutMilliseconds));
                services.AddSingleton<IDbContextFactory<MesDbContext>>(sp =>
                    new MesDbContextFactory<SqliteMesDbContext>(sp.GetRequiredService<IDbContextFactory<SqliteMesDbContext>>()));
                break;
            case DatabaseProvider.PostgreSQL:
                services.AddPooledDbContextFactory<PostgresMesDbContext>(o => ConfigurePostgres(o, connectionString));
                services.AddSingleton<IDbContextFactory<MesDbContext>>(sp =>
                    new MesDbContextFactory<PostgresMesDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresMesDbContext>>()));
                break;
        }
        services.AddSingleton(new DatabaseTarget(options.ProviderKind, connectionString));
        services.AddSingleton<SqliteWalCheckpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<SqliteWalCheckpoints>());
        return services;
    }

    /// <summary>The connection string with a relative SQLite path made absolute against the installation folder.</summary>
    public static string EffectiveConnectionString(DatabaseOptions options, AppHome home)
    {
        if (options.ProviderKind != DatabaseProvider.Sqlite) return options.ConnectionString;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
            builder.DataSource = home.Resolve(builder.DataSource);
        if (builder.DefaultTimeout == 30) builder.DefaultTimeout = Math.Max(30, options.BusyTimeoutMilliseconds / 1000 + 5);
        builder.Pooling = true;
        return builder.ToString();
    }

    public static void ConfigureSqlite(DbContextOptionsBuilder o, string connectionString, int busyTimeoutMs = 15000) =>
        o.UseSqlite(connectionString).AddInterceptors(new SqlitePragmas(busyTimeoutMs));

    public static void ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        // Three retries at most a second apart: a blip in the network is bridged, while a stopped server answers the
        // operator within seconds ("the database is not reachable") instead of after EF's default 30 s back-off.
        o.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(3, TimeSpan.FromSeconds(1), null));

    /// <summary>Per-connection SQLite settings: wait for other writers instead of failing with "database is locked",
    /// NORMAL sync (safe with WAL), foreign keys on, and checkpoints left to <see cref="SqliteWalCheckpoints"/>: a commit
    /// checkpoints only when the log has grown past <see cref="SqliteWalCheckpoints.CommitCheckpointPages"/> pages.</summary>
    private sealed class SqlitePragmas(int busyTimeoutMs) : DbConnectionInterceptor
    {
        private readonly string _sql = $"PRAGMA busy_timeout={busyTimeoutMs}; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            + $"PRAGMA wal_autocheckpoint={SqliteWalCheckpoints.CommitCheckpointPages};";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = _sql;
            cmd.ExecuteNonQuery();
        }
    }
}

/// <summary>Which database this app talks to (for the status page, backups and health).</summary>
public sealed record DatabaseTarget(DatabaseProvider Provider, string ConnectionString)
{
    /// <summary>The SQLite database file, or null for PostgreSQL.</summary>
    public string? SqliteFile => Provider == DatabaseProvider.Sqlite ? new SqliteConnectionStringBuilder(ConnectionString).DataSource : null;
}

/// <summary>Hands out the provider's context as the common <see cref="MesDbContext"/> type.</summary>
internal sealed class MesDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<MesDbContext>
    where TContext : MesDbContext
{
    public MesDbContext CreateDbContext() => inner.CreateDbContext();
    public async Task<MesDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}

/// <summary>All times are stored in UTC; SQLite gives back unspecified kinds, so mark them on the way in and out.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
