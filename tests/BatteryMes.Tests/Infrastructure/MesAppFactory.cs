using BatteryMes.Web.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>The whole app in the test process against a real database of its own and its own output folders.</summary>
public sealed class MesAppFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public MesAppFactory(TestDatabase database, IDictionary<string, string?>? settings = null)
    {
        Database = database;
        _settings = new Dictionary<string, string?>
        {
            ["BatteryMes:Database:Provider"] = database.Provider.ToString(),
            ["BatteryMes:Database:ConnectionString"] = database.ConnectionString,
            ["BatteryMes:Folders:Backups"] = Path.Combine(database.Folder, "backups"),
            ["BatteryMes:Folders:ExcelReports"] = Path.Combine(database.Folder, "excel_reports"),
            ["BatteryMes:Folders:QrCodes"] = Path.Combine(database.Folder, "qr_codes"),
            ["BatteryMes:Folders:Logs"] = Path.Combine(database.Folder, "logs"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public TestDatabase Database { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }
}
