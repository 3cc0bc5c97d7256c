using System.Globalization;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

// Battery MES benchmarks. scripts/bench.sh is the way in; it passes:
//   run  [--packs 1000,100000] [--providers Sqlite,PostgreSQL] [--only StageSave,Snapshot] [--out artifacts/benchmarks/results.md]
//   seed --packs N [--provider Sqlite|PostgreSQL]     (prints the seeded SQLite file or PostgreSQL database; for load and fault runs)
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

if (command != "run")
{
    Console.Error.WriteLine($"Unknown command '{command}'. Use 'run' or 'seed'.");
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
var suites = new (string Name, Type Type, bool PostgresToo)[]
{
    ("StageSave", typeof(StageSaveBenchmarks), true),
    ("Snapshot", typeof(SnapshotBenchmarks), false),
};
var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "bdn"));
var summaries = new List<Summary>();
foreach (var suite in suites.Where(s => only.Length == 0 || only.Contains(s.Name, StringComparer.OrdinalIgnoreCase)))
{
    if (!suite.PostgresToo && !BenchScope.Providers.Contains(DatabaseProvider.Sqlite)) continue;
    summaries.Add(BenchmarkRunner.Run(suite.Type, config));
}

var table = ResultsTable.Write(output, summaries, started, load);
Console.WriteLine();
Console.WriteLine(table);
Console.WriteLine($"Written to {Path.GetFullPath(output)}");
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
