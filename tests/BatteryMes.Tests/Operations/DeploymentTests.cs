using System.Diagnostics;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Operations;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Tests.Operations;

public class DeploymentTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BatteryMes.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository's top folder (BatteryMes.sln) was not found above the test build.");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task The_systemd_unit_passes_systemd_analyze_verify()
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
            throw new InvalidOperationException("systemd-analyze is missing: install it with 'apt-get install systemd' (scripts/test.sh does).");
        // The unit names /opt/battery-mes; verify a copy that points at a stand-in installation folder with a program in it.
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var program = Path.Combine(folder, "BatteryMes");
        File.WriteAllText(program, "#!/bin/sh\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var unit = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "battery-mes.service"));
        Assert.Contains("Type=notify", unit);
        Assert.Contains("Restart=on-failure", unit);
        Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE", unit);
        Assert.Contains("User=battery-mes", unit);
        var copy = Path.Combine(folder, "battery-mes.service");
        File.WriteAllText(copy, unit.Replace("/opt/battery-mes", folder, StringComparison.Ordinal));

        var (exitCode, output) = await RunAsync("/usr/bin/systemd-analyze", $"verify \"{copy}\"", folder,
            new Dictionary<string, string> { ["SYSTEMD_LOG_LEVEL"] = "notice" });

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("battery-mes.service", output); // any finding about the unit names it
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task The_app_refuses_a_database_from_a_newer_version_with_a_message_and_exit_code_1()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using (var services = await database.StartAsync())
        await using (var db = await services.OpenAsync())
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES ('29990101000000_FromTheFuture', '99.0')");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var (exitCode, output) = await RunAsync("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "BatteryMes.dll")}\"", database.Folder,
            new Dictionary<string, string>
            {
                ["BatteryMes__Database__ConnectionString"] = database.ConnectionString,
                ["BatteryMes__Server__Urls"] = "http://127.0.0.1:0",
                ["BatteryMes__Folders__Logs"] = Path.Combine(database.Folder, "logs"),
                ["BatteryMes__Folders__Backups"] = Path.Combine(database.Folder, "backups"),
            });

        Assert.Equal(1, exitCode);
        Assert.Contains("Battery MES cannot start", output);
        Assert.Contains("newer version of Battery MES", output);
        Assert.Contains("VM_DEPLOYMENT_GUIDE.md", output);
    }

    [Theory]
    [InlineData(null, "http://0.0.0.0:8501", false, "http://0.0.0.0:8501")]
    [InlineData(null, "http://0.0.0.0:8501", true, "http://0.0.0.0:8501;https://0.0.0.0:8543")]
    [InlineData(null, "http://192.168.1.20:80", true, "http://192.168.1.20:80;https://192.168.1.20:8543")]
    [InlineData("http://*:9000", "http://0.0.0.0:8501", true, "http://*:9000;https://0.0.0.0:8543")]
    [InlineData(null, "http://0.0.0.0:8501;https://0.0.0.0:443", true, "http://0.0.0.0:8501;https://0.0.0.0:443")]
    public void HTTPS_listens_beside_the_configured_addresses_unless_one_is_given(string? overridden, string configured, bool https, string expected)
    {
        var urls = ServiceHosting.ListenUrls(overridden, configured, new HttpsOptions { Enabled = https });

        Assert.Equal(expected, string.Join(';', urls));
    }

    [Theory]
    [InlineData("BatteryMes__Server__Https__Port", "70000", "BatteryMes:Server:Https:Port")]
    [InlineData("BatteryMes__Server__Https__CertificateFile", "/nowhere/plant.pfx", "BatteryMes:Server:Https:CertificateFile")]
    [InlineData("BatteryMes__Server__Https__RedirectHttpToHttps", "true", "BatteryMes:Server:Https:Enabled")]
    public async Task A_wrong_HTTPS_setting_stops_start_up_with_a_message_that_names_it(string variable, string value, string expected)
    {
        var folder = Path.Combine(Path.GetTempPath(), "batterymes-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>
        {
            [variable] = value,
            ["BatteryMes__Database__ConnectionString"] = $"Data Source={Path.Combine(folder, "x.db")}",
            ["BatteryMes__Server__Urls"] = "http://127.0.0.1:0",
            ["BatteryMes__Folders__Logs"] = Path.Combine(folder, "logs"),
        };
        if (variable.EndsWith("CertificateFile", StringComparison.Ordinal)) environment["BatteryMes__Server__Https__Enabled"] = "true";

        var (exitCode, output) = await RunAsync("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "BatteryMes.dll")}\"", folder, environment);

        Assert.Equal(1, exitCode);
        Assert.Contains("Battery MES cannot start", output);
        Assert.Contains(expected, output);
        Directory.Delete(folder, recursive: true);
    }
}
