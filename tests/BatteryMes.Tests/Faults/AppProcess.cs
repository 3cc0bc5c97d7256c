using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BatteryMes.Tests.Infrastructure;

namespace BatteryMes.Tests.Faults;

/// <summary>The real built app (dotnet BatteryMes.dll from this test's bin folder) as its own OS process on a free
/// loopback port, against a test database and output folders of its own, so that a fault test can SIGKILL it and
/// start it again on the same database. Its console output is kept for failure messages. The database holds the
/// <see cref="TestPeople"/> with an API key each; <see cref="CreateClient"/> acts as <see cref="TestPeople.Rig"/>.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly IReadOnlyDictionary<string, string> _keys;

    private AppProcess(Process process, string baseUrl, IReadOnlyDictionary<string, string> keys)
    {
        _process = process;
        BaseUrl = baseUrl;
        _keys = keys;
    }

    public string BaseUrl { get; }
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A client acting as <paramref name="person"/> (the test rig, holding every role, by default) through their API key.</summary>
    public HttpClient CreateClient(TestPerson? person = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _keys[(person ?? TestPeople.Rig).Login]);
        return client;
    }

    /// <summary>Adds the <see cref="TestPeople"/> and an API key for each to the database, through the app's own services
    /// in this process (the database is migrated first, as the app would); returns the keys by login.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> SeedPeopleAsync(TestDatabase database)
    {
        await using var services = await database.StartAsync();
        return await TestPeople.SeedAsync(services);
    }

    /// <summary>Starts the app and waits until /health answers (the database is migrated before Kestrel listens).
    /// <paramref name="apiKeys"/>: keys from an earlier <see cref="SeedPeopleAsync"/> (a database the test cannot write to
    /// any more); without them, the people are seeded now.</summary>
    public static async Task<AppProcess> StartAsync(TestDatabase database, IDictionary<string, string>? settings = null,
        IReadOnlyDictionary<string, string>? apiKeys = null)
    {
        var keys = apiKeys ?? await SeedPeopleAsync(database);
        var port = PostgresServer.FreePort();
        var psi = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "BatteryMes.dll")}\"")
        {
            WorkingDirectory = database.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["BatteryMes__Server__Urls"] = $"http://127.0.0.1:{port}";
        psi.Environment["BatteryMes__Database__Provider"] = database.Provider.ToString();
        psi.Environment["BatteryMes__Database__ConnectionString"] = database.ConnectionString;
        foreach (var folder in new[] { "Backups", "ExcelReports", "QrCodes", "Logs" })
            psi.Environment[$"BatteryMes__Folders__{folder}"] = Path.Combine(database.Folder, folder.ToLowerInvariant());
        foreach (var (key, value) in TestPeople.Settings) psi.Environment[key.Replace(":", "__")] = value;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        var process = new Process { StartInfo = psi };
        var app = new AppProcess(process, $"http://127.0.0.1:{port}", keys);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited at start-up ({process.ExitCode}):\n{app.Output}");
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* busy starting */ }
            await Task.Delay(250);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The app did not answer /health within 120 s:\n{app.Output}");
    }

    /// <summary>SIGKILL: no shutdown, no flush, no disposal; what a power cut or the OOM killer does to the process.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(30_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            // Keep the tail only: a long stream of saves logs a line each.
            if (_output.Length > 200_000) _output.Remove(0, 100_000);
            _output.AppendLine(line);
        }
    }
}
