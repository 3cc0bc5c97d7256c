using BatteryMes.Web.Configuration;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>The whole app in the test process against a real database of its own and its own output folders, with
/// the <see cref="TestPeople"/> and an API key for each. <c>CreateClient()</c> acts as <see cref="TestPeople.Rig"/>
/// (every role); <see cref="CreateClientAs"/> as anyone else, or as nobody.</summary>
public sealed class MesAppFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _seedPeople;
    private IReadOnlyDictionary<string, string>? _keys;

    /// <param name="seedPeople">false: the app starts with nobody in it (a first start), and no client has a key.</param>
    public MesAppFactory(TestDatabase database, IDictionary<string, string?>? settings = null, bool seedPeople = true)
    {
        Database = database;
        _seedPeople = seedPeople;
        _settings = new Dictionary<string, string?>
        {
            ["BatteryMes:Database:Provider"] = database.Provider.ToString(),
            ["BatteryMes:Database:ConnectionString"] = database.ConnectionString,
            ["BatteryMes:Folders:Backups"] = Path.Combine(database.Folder, "backups"),
            ["BatteryMes:Folders:ExcelReports"] = Path.Combine(database.Folder, "excel_reports"),
            ["BatteryMes:Folders:QrCodes"] = Path.Combine(database.Folder, "qr_codes"),
            ["BatteryMes:Folders:Logs"] = Path.Combine(database.Folder, "logs"),
        };
        foreach (var (key, value) in TestPeople.Settings) _settings[key] = value;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public TestDatabase Database { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        _keys = _seedPeople ? TestPeople.SeedAsync(host.Services).GetAwaiter().GetResult() : new Dictionary<string, string>();
        return host;
    }

    /// <summary>The API key of a seeded person.</summary>
    public string ApiKey(TestPerson person)
    {
        _ = Services; // builds and seeds the app on first use
        return _keys!.TryGetValue(person.Login, out var key) ? key : throw new InvalidOperationException($"{person.Login} was not seeded into this app.");
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (_seedPeople) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey(TestPeople.Rig));
    }

    /// <summary>A client acting as <paramref name="person"/> through their API key; null: no credentials at all.</summary>
    public HttpClient CreateClientAs(TestPerson? person)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = person is null ? null : new AuthenticationHeaderValue("Bearer", ApiKey(person));
        return client;
    }
}
