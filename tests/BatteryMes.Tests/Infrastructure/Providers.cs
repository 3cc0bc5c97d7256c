using BatteryMes.Web.Configuration;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>Theory data: every persistence test runs on SQLite and on PostgreSQL.</summary>
public static class Providers
{
    public static TheoryData<DatabaseProvider> Both => new() { DatabaseProvider.Sqlite, DatabaseProvider.PostgreSQL };
}
