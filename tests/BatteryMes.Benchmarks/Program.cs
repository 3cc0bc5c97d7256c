using System.Globalization;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Load;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

// Battery MES benchmarks. scripts/bench.sh is the way in; it passes:
//   run  [--packs 1000,100000] [--providers Sqlite,PostgreSQL] [--only StageSave,Snapshot] [--out artifacts/benchmarks/results.md]
//   seed --packs N [--provider Sqlite|PostgreSQL]     (prints the seeded SQLite file or PostgreSQL database; for load and fault runs)
//   latency [--packs 1000] [--saves 40] [--delay-ms 500] [--out artifacts/benchmarks/latency.md]   (save-to-screen latency, in process)
//   save-ab [--provider Sqlite|PostgreSQL] [--packs 100000] [--rounds 60]   (stage save: change-tracker baseline against PackRecorder, interleaved)
//   csv-ab [--provider Sqlite|PostgreSQL] [--packs 100000] [--rounds 3]   (results CSV with 0, 1, 2, 4 reader connections,
//        interleaved; wall and CPU; PostgreSQL needs BATTERYMES_BENCH_POSTGRES, the bench cluster)
//   snapshot-ab [--packs 100000] [--rounds 5] [--part all|copy|after-save]   (snapshot copy against cp, interleaved, disk settled
//        before each; then the snapshot after one save: cp, full copy, WAL-frame delta, page-hash delta, and their checks)
//   genealogy [--packs 1000,10000] [--rounds 20]   (trace from a lot, a pack and a cell; a pack's passport; scan into a module of 199 cells; SQLite)
//   reports [--packs 1000] [--rounds 3] [--sheets N] (wall-clock times of the pack form and master workbook writers)
//   load --url http://127.0.0.1:PORT --pid APP_PID [--users 10,25,50,100] [--seconds 30] [--browsers 4] [--idle 0,20,50] [--idle-pages /dashboard,/entry]
//        [--out artifacts/load/results.md]   (scripts/load.sh)
//   heavy --url http://127.0.0.1:PORT --pid APP_PID [--workers 8] [--seconds 30] [--out artifacts/load/heavy.md]
//        (scripts/load.sh --heavy; the API key, of a person with every role, in BATTERYMES_LOAD_API_KEY)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "run";
string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

if (command == "seed")
{
    var packs = int.Parse(Option("packs", "1000"), CultureInfo.InvariantCulture);
    var provider = DatabaseOptions.TryParseProvider(Option("provider", "Sqlite"), out var kind) ? kind : DatabaseProvider.Sqlite;
    SeededDatabases.Log = Console.Error.WriteLine;
    Console.WriteLine(provider == DatabaseProvider.Sqlite ? SeededDatabases.SqliteSeed(packs) : SeededDatabases.PostgresSeed(packs));
    return 0;
}

if (command == "genealogy")
{
    var packCounts = Option("packs", "1000,10000").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    Console.WriteLine(await BatteryMes.Benchmarks.Genealogy.GenealogyTimings.RunAsync(packCounts, int.Parse(Option("rounds", "20"), CultureInfo.InvariantCulture)));
    return 0;
}

if (command == "reports")
{
    Console.WriteLine(await ReportTimings.RunAsync(int.Parse(Option("packs", "1000"), CultureInfo.InvariantCulture), int.Parse(Option("rounds", "3"), CultureInfo.InvariantCulture),
        int.Parse(Option("sheets", Option("packs", "1000")), CultureInfo.InvariantCulture)));
    return 0;
}

if (command == "labels")
{
    Console.WriteLine(await LabelTimings.RunAsync(int.Parse(Option("rounds", "3"), CultureInfo.InvariantCulture), int.Parse(Option("count", "1000"), CultureInfo.InvariantCulture)));
    return 0;
}

if (command == "load")
{
    var users = Option("users", "10,25,50,100").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => int.Parse(u, CultureInfo.InvariantCulture)).ToList();
    var seconds = int.Parse(Option("seconds", "30"), CultureInfo.InvariantCulture);
    var browserCount = int.Parse(Option("browsers", "4"), CultureInfo.InvariantCulture);
    var idleTabs = Option("idle", "0,20,50").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => int.Parse(u, CultureInfo.InvariantCulture)).ToList();
    var idlePages = Option("idle-pages", "/dashboard,/entry").Split(',', StringSplitOptions.RemoveEmptyEntries);
    var url = Option("url", "http://127.0.0.1:8612");
    if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || !target.IsLoopback)
    {
        Console.Error.WriteLine($"The load run only targets loopback (127.0.0.1); '{url}' is not.");
        return 2;
    }
    var loadStarted = DateTime.UtcNow;
    var loadAtStart = ResultsTable.LoadAverage();
    var loadAverageAtSteps = "not reached";
    var route = BenchServices.LoadRoute();
    var file = Option("out", "artifacts/load/results.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    IReadOnlyList<IdleCircuits.Result> idle = [];
    var steps = new List<ApiLoadRun.Step>();
    // Written after each phase and step, so a run cut short by its time limit still leaves what it measured.
    string WriteResults()
    {
        var text = $"# Battery MES load run\n\nRun {loadStarted:yyyy-MM-dd HH:mm} UTC against the app (Release) on loopback. Machine: {ResultsTable.MachineDescription()}. " +
            $"Load average at start: {loadAtStart}; at the first step: {loadAverageAtSteps}; at the end: {ResultsTable.LoadAverage()}.\n\n" +
            $"## Users at once ({seconds} s per step)\n\nAPI users register a pack and save each stage over JSON, and a QC inspector signs each stage off with their own key and PIN; " +
            $"browser sessions are Chromium tabs signed in as operators on the data entry page (scan, create, measured values, All OK for both modules, Save, " +
            $"Complete Process and the inspector's login and PIN in the signature panel), timed in the page from the click to the confirmation. " +
            $"A sign-off checks a PIN hash (PBKDF2), so its time includes that work. " +
            $"Browser CPU is Chromium and its Playwright driver together, on the same 2 cores as the server.\n\n" +
            (steps.Count > 0 ? ApiLoadRun.Table(steps) : "(no step finished)\n") + "\n" +
            (idle.Count > 0 ? $"## Memory per idle circuit\n\nIdle tabs (each its own Blazor circuit) opened at a page, 5 s to settle, figures from the app's /health?collect=true (heap alive after a full collection; the working set also shrinks after those collections, so its slope is rough).\n\n{IdleCircuits.Table(idle)}" : "");
        File.WriteAllText(file, text);
        return text;
    }

    // Idle circuits first, on the fresh app: circuits of the busy phase would linger (disconnected-circuit retention) and blur the slope.
    if (idleTabs.Any(t => t > 0))
    {
        Console.WriteLine($"== idle circuits: {string.Join(",", idleTabs)} tabs at {string.Join(", ", idlePages)}");
        idle = await IdleCircuits.RunAsync(url, idleTabs, idlePages, TimeSpan.FromSeconds(5));
        WriteResults();
    }

    Console.WriteLine($"== load: API users {string.Join(",", users)} with {browserCount} browser sessions, {seconds} s per step");
    loadAverageAtSteps = ResultsTable.LoadAverage();
    await using var browsers = browserCount > 0 ? await BrowserSessions.StartAsync(url, browserCount, route, TimeSpan.FromSeconds(120)) : null;
    await ApiLoadRun.RunAsync(url, int.Parse(Option("pid", "0"), CultureInfo.InvariantCulture), users, TimeSpan.FromSeconds(seconds), route, browsers,
        step => { steps.Add(step); WriteResults(); });
    Console.WriteLine(WriteResults());
    return steps.Any(s => s.Errors > 0 || s.Browsers?.Errors > 0) ? 1 : 0;
}

if (command == "heavy")
{
    var url = Option("url", "http://127.0.0.1:8612");
    if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || !target.IsLoopback)
    {
        Console.Error.WriteLine($"The load run only targets loopback (127.0.0.1); '{url}' is not.");
        return 2;
    }
    var apiKey = Environment.GetEnvironmentVariable("BATTERYMES_LOAD_API_KEY");
    if (string.IsNullOrEmpty(apiKey))
    {
        Console.Error.WriteLine("Set BATTERYMES_LOAD_API_KEY to an API key of a person with every role (scripts/load.sh makes one).");
        return 2;
    }
    var heavyStarted = DateTime.UtcNow;
    var loadAtStart = ResultsTable.LoadAverage();
    var result = await HeavyLoadRun.RunAsync(url, int.Parse(Option("pid", "0"), CultureInfo.InvariantCulture), apiKey,
        int.Parse(Option("workers", "8"), CultureInfo.InvariantCulture), TimeSpan.FromSeconds(int.Parse(Option("seconds", "30"), CultureInfo.InvariantCulture)));
    Console.WriteLine(HeavyLoadRun.Describe(result));
    var file = Option("out", "artifacts/load/heavy.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    var text = $"# Battery MES heavy downloads\n\nRun {heavyStarted:yyyy-MM-dd HH:mm} UTC against the app (Release) on loopback. Machine: {ResultsTable.MachineDescription()}. " +
        $"Load average at start: {loadAtStart}; at the end: {ResultsTable.LoadAverage()}.\n\n{HeavyLoadRun.Table(result)}";
    File.WriteAllText(file, text);
    Console.WriteLine(text);
    return result.Downloads.Sum(d => d.Failed) > 0 ? 1 : 0;
}

if (command == "latency")
{
    var packs = int.Parse(Option("packs", "1000"), CultureInfo.InvariantCulture);
    var saves = int.Parse(Option("saves", "40"), CultureInfo.InvariantCulture);
    var delay = int.Parse(Option("delay-ms", "500"), CultureInfo.InvariantCulture);
    var loadAtStart = ResultsTable.LoadAverage();
    var latencyStarted = DateTime.UtcNow;
    var figures = await SaveToScreenLatency.RunAsync(packs, saves, delay);
    var file = Option("out", "artifacts/benchmarks/latency.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    var text = $"# Save-to-screen latency (in process, SQLite, {packs} packs)\n\nRun {latencyStarted:yyyy-MM-dd HH:mm} UTC, {figures.Saves} saves (stage 7, 22 checks). " +
        $"Machine: {ResultsTable.MachineDescription()}. Load average at start: {loadAtStart}.\n\n{SaveToScreenLatency.Table(figures)}";
    File.WriteAllText(file, text);
    Console.WriteLine(text);
    return 0;
}

if (command == "save-ab")
{
    var provider = DatabaseOptions.TryParseProvider(Option("provider", "Sqlite"), out var kind) ? kind : DatabaseProvider.Sqlite;
    SeededDatabases.Log = Console.Error.WriteLine;
    Console.WriteLine(await BatteryMes.Benchmarks.SaveAb.SaveAbRun.RunAsync(provider, int.Parse(Option("packs", "100000"), CultureInfo.InvariantCulture),
        int.Parse(Option("rounds", "60"), CultureInfo.InvariantCulture)));
    return 0;
}

if (command == "csv-ab")
{
    SeededDatabases.Log = Console.Error.WriteLine;
    var text = await BatteryMes.Benchmarks.CsvAb.CsvAbRun.RunAsync(Enum.Parse<DatabaseProvider>(Option("provider", "Sqlite"), ignoreCase: true),
        int.Parse(Option("packs", "100000"), CultureInfo.InvariantCulture),
        int.Parse(Option("rounds", "3"), CultureInfo.InvariantCulture));
    var file = Option("out", "artifacts/benchmarks/csv-ab.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    File.WriteAllText(file, text);
    Console.WriteLine(text);
    return 0;
}

if (command == "snapshot-ab")
{
    SeededDatabases.Log = Console.Error.WriteLine;
    var packs = int.Parse(Option("packs", "100000"), CultureInfo.InvariantCulture);
    var rounds = int.Parse(Option("rounds", "5"), CultureInfo.InvariantCulture);
    var part = Option("part", "all");
    var text = (part is "all" or "copy" ? BatteryMes.Benchmarks.SnapshotAb.SnapshotAbRun.Run(packs, rounds) + "\n" : "")
        + (part is "all" or "after-save" ? BatteryMes.Benchmarks.SnapshotAb.SnapshotAfterSaveRun.Run(packs, rounds) : "");
    var file = Option("out", "artifacts/benchmarks/snapshot-ab.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    File.WriteAllText(file, text);
    Console.WriteLine(text);
    return 0;
}

if (command != "run")
{
    Console.Error.WriteLine($"Unknown command '{command}'. Use 'run', 'seed', 'latency' or 'load'.");
    return 2;
}

Environment.SetEnvironmentVariable(BenchScope.PacksVariable, Option("packs", Environment.GetEnvironmentVariable(BenchScope.PacksVariable) ?? "1000,100000"));
Environment.SetEnvironmentVariable(BenchScope.ProvidersVariable, Option("providers", Environment.GetEnvironmentVariable(BenchScope.ProvidersVariable) ?? "Sqlite,PostgreSQL"));
var only = Option("only", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var output = Option("out", "artifacts/benchmarks/results.md");
var started = DateTime.UtcNow;
var load = ResultsTable.LoadAverage();

// Seed first (outside any measurement), so that the log shows seeding separately and its time is reported.
foreach (var provider in BenchScope.Providers)
    foreach (var packs in BenchScope.PackCounts)
        _ = provider == DatabaseProvider.Sqlite ? SeededDatabases.SqliteSeed(packs) : SeededDatabases.PostgresSeed(packs);

// Each benchmark class is one line here; a feature's benchmarks (dashboard, reports, backups, labels) join the list.
// PostgresToo: the suite has a Provider parameter and runs for every provider of the run; Snapshot is SQLite's file copy.
var suites = new (string Name, Type Type, bool PostgresToo)[]
{
    ("StageSave", typeof(StageSaveBenchmarks), true),
    ("Snapshot", typeof(SnapshotBenchmarks), false),
    ("DashboardForm", typeof(DashboardAndFormBenchmarks), true),
    ("BackupService", typeof(BackupServiceBenchmarks), true),
    ("MasterWorkbook", typeof(MasterWorkbookBenchmarks), true),
    ("ResultsCsv", typeof(ResultsCsvBenchmarks), true),
    ("LabelBatch", typeof(LabelBatchBenchmarks), true),
    ("Passport", typeof(PassportBenchmarks), true),
};
var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "bdn"));
var summaries = new List<Summary>();
var failed = false;
try
{
    foreach (var suite in suites.Where(s => only.Length == 0 || only.Contains(s.Name, StringComparer.OrdinalIgnoreCase)))
    {
        if (!suite.PostgresToo && !BenchScope.Providers.Contains(DatabaseProvider.Sqlite)) continue;
        try
        {
            summaries.Add(BenchmarkRunner.Run(suite.Type, config));
        }
        catch (InvalidOperationException ex)
        {
            // One suite failing (for example a case over the toolchain's time limit) must not lose the others' figures.
            Console.Error.WriteLine($"Suite {suite.Name} failed: {ex.Message}");
            failed = true;
        }
    }
}
finally
{
    // What the suites share across their cases: the read-only PostgreSQL working copies and the kept exports.
    if (SeededDatabases.PostgresServer is not null) SeededDatabases.DropReadCopies();
    BackupServiceBenchmarks.RemoveKeptExports();
}

var table = ResultsTable.Write(output, summaries, started, load);
Console.WriteLine();
Console.WriteLine(table);
Console.WriteLine($"Written to {Path.GetFullPath(output)}");
return failed || summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
