using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;

namespace BatteryMes.Tests.Foundation;

public class AppStartupTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Health_reports_the_app_and_its_database_up(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(provider.ToString(), json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("data").GetProperty("provider").GetString());
    }

    [Theory]
    [InlineData("/entry", "Data Entry")]
    [InlineData("/dashboard", "Dashboard")]
    [InlineData("/reports", "Reports")]
    [InlineData("/qr", "QR Generator")]
    [InlineData("/about", "About and status")]
    public async Task Each_section_has_its_page(string path, string heading)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        var html = await client.GetStringAsync(path);

        Assert.Contains(heading, html);
        Assert.Contains("Battery MES", html);
        Assert.DoesNotContain("fonts.googleapis", html);
        Assert.DoesNotContain("cdn.", html);
    }

    [Theory]
    [InlineData("BatteryMes__Database__Provider", "Mongo", "BatteryMes:Database:Provider")]
    [InlineData("BatteryMes__Server__Urls", "not-a-url", "BatteryMes:Server:Urls")]
    [InlineData("BatteryMes__Route__File", "/nowhere/route.json", "BatteryMes:Route:File")]
    [InlineData("BatteryMes__Database__BusyTimeoutMilliseconds", "soon", "BatteryMes:Database")]
    [InlineData("BatteryMes__Dashboard__WorkingDays", "Mon,Tue,Holiday", "BatteryMes:Dashboard:WorkingDays has 'Holiday', which is not a day")]
    public async Task A_wrong_setting_stops_start_up_with_a_message_that_names_it(string variable, string value, string expected)
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var psi = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "BatteryMes.dll")}\"")
        {
            WorkingDirectory = folder,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment[variable] = value;
        psi.Environment["BatteryMes__Database__ConnectionString"] = $"Data Source={Path.Combine(folder, "x.db")}";
        psi.Environment["BatteryMes__Server__Urls"] = variable == "BatteryMes__Server__Urls" ? value : "http://127.0.0.1:0";

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains(expected, await stderr);
        Assert.Contains("Battery MES cannot start", await stderr);
    }
}
