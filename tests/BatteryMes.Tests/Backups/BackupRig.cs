using System.Diagnostics;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Backups;

/// <summary>The real services plus the backup feature, against a test database; backups under the test's folder.</summary>
internal static class BackupRig
{
    /// <summary>The admin who signs restores (seeded by <see cref="StartAsync"/>): login and own password.</summary>
    public static readonly string AdminLogin = TestPeople.Admin.Login;
    public static readonly string AdminPasswordText = TestPeople.Admin.Password!;

    public static async Task<ServiceProvider> StartAsync(TestDatabase database, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["BatteryMes:Backups:Keep"] = "30",
            ["BatteryMes:Backups:MinimumSecondsBetweenSnapshots"] = "0",
            ["BatteryMes:Backups:PostgresSnapshotIntervalMinutes"] = "0",
            ["BatteryMes:Security:HashIterations"] = "10000",
            ["BatteryMes:Security:RequireSecondPersonSignOff"] = "false",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var provider = await database.StartAsync(services =>
        {
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(all).Build());
            if (all.TryGetValue("BatteryMes:Folders:Backups", out var folder))
                services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new FolderOptions { Backups = folder! }));
            services.AddBackupServices();
            configure?.Invoke(services);
        });
        var people = provider.GetRequiredService<BatteryMes.Web.Features.Identity.PeopleDirectory>();
        if (await people.FindAsync(AdminLogin) is null)
            await people.AddAsync(new BatteryMes.Web.Features.Identity.NewPerson(AdminLogin, TestPeople.Admin.FullName, TestPeople.Admin.Roles, null, AdminPasswordText), "tests");
        return provider;
    }

    public static string BackupFolder(this TestDatabase database) => Path.Combine(database.Folder, "backups");

    public static async Task CreatePacksAsync(this IServiceProvider services, params string[] packIds)
    {
        var recorder = services.GetRequiredService<PackRecorder>();
        foreach (var id in packIds)
            Assert.True((await recorder.CreatePackAsync(id, null, null, Actor.System)).Succeeded);
    }

    /// <summary>The person who records in these tests: the technician of the stages they save.</summary>
    public static readonly Actor Tester = Technician("T. Tester");

    /// <summary>A person whose saves make <paramref name="name"/> the stage's technician.</summary>
    public static Actor Technician(string name) => new(name, null);

    /// <summary>Every check of the stage OK on both modules: ready to complete.</summary>
    public static StageSave AllOk(this IServiceProvider services, string packId, int stage)
    {
        var route = services.GetRequiredService<ProcessRoute>();
        return new StageSave(packId, stage, TestChecks.Passing(route.FindStage(stage)!));
    }

    public static async Task<List<string>> PackIdsAsync(this IServiceProvider services)
    {
        await using var db = await services.OpenAsync();
        return await db.Packs.OrderBy(p => p.PackId).Select(p => p.PackId).ToListAsync();
    }

    /// <summary>Reads a snapshot file with the app's own model.</summary>
    public static async Task<T> ReadSnapshotAsync<T>(string file, Func<MesDbContext, Task<T>> read)
    {
        await using var db = SnapshotFile.OpenContext(SnapshotFile.ConnectionString(file, SqliteOpenMode.ReadOnly));
        return await read(db);
    }

    public static Task<List<string>> SnapshotPackIdsAsync(string file) =>
        ReadSnapshotAsync(file, db => db.Packs.OrderBy(p => p.PackId).Select(p => p.PackId).ToListAsync());

    /// <summary>Waits (up to a minute) until the condition holds; the work is asynchronous by design.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < until)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"Waited a minute for: {what}");
    }

    /// <summary>Runs the built BatteryMes.dll as a process against the test database, as an operator would.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAppAsync(TestDatabase database, string[] arguments, string? stdin = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = database.Folder,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BatteryMes.dll"));
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        psi.Environment["BatteryMes__Database__Provider"] = database.Provider.ToString();
        psi.Environment["BatteryMes__Database__ConnectionString"] = database.ConnectionString;
        psi.Environment["BatteryMes__Folders__Backups"] = database.BackupFolder();
        psi.Environment["BatteryMes__Server__Urls"] = "http://127.0.0.1:0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
