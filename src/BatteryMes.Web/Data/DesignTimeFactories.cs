using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BatteryMes.Web.Data;

// Used only by `dotnet ef migrations add`; no database is opened to add a migration.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMesDbContext>
{
    public SqliteMesDbContext CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<SqliteMesDbContext>();
        DatabaseSetup.ConfigureSqlite(o, "Data Source=design-time.db");
        return new SqliteMesDbContext(o.Options);
    }
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMesDbContext>
{
    public PostgresMesDbContext CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<PostgresMesDbContext>();
        DatabaseSetup.ConfigurePostgres(o, "Host=localhost;Database=battery_mes_design");
        return new PostgresMesDbContext(o.Options);
    }
}
