using BatteryMes.Web.Configuration;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using System.Reflection;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>Short, bounded jobs: the whole bench must finish in about 10 to 15 minutes on a 2-core machine.
/// Monitoring strategy (no pilot stage, one call per iteration) because each call is milliseconds to seconds of
/// database work, not nanoseconds; in-process so the seeded database and services are set up once per case.</summary>
public abstract class BoundedConfig : ManualConfig
{
    protected BoundedConfig(int warmups, int iterations)
    {
        AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true))
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(warmups)
            .WithIterationCount(iterations)
            .WithId($"w{warmups}i{iterations}"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.P95, StatisticColumn.Min, StatisticColumn.Max);
        AddFilter(new SimpleFilter(ProviderOnlyAttribute.Applies));
        WithOptions(ConfigOptions.JoinSummary);
    }
}

/// <summary>For one save: enough iterations for a median and a 95th percentile worth the name, after enough warm-up
/// saves for the runtime's tiered JIT to finish with the save path (a method is recompiled optimised after 30 calls and
/// a short delay), so that the figure is a running server's save rather than the first minutes after start-up. With only
/// a few warm-ups most measured saves would run on unoptimised code.</summary>
public sealed class SaveConfig() : BoundedConfig(warmups: 200, iterations: 100);

/// <summary>For whole-database operations that take seconds to minutes at 100,000 packs (a 1.2 GB SQLite file):
/// no warm-up, two iterations, so that the 100,000-pack case stays within about 10 minutes on a busy 2-core machine.</summary>
public sealed class SnapshotConfig() : BoundedConfig(warmups: 0, iterations: 2);

/// <summary>Which providers and pack counts to run: scripts/bench.sh passes them through the environment.</summary>
public static class BenchScope
{
    public const string PacksVariable = "BATTERYMES_BENCH_PACKS";
    public const string ProvidersVariable = "BATTERYMES_BENCH_PROVIDERS";

    public static IEnumerable<int> PackCounts =>
        (Environment.GetEnvironmentVariable(PacksVariable) is { Length: > 0 } v ? v : "1000,100000")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse);

    public static IEnumerable<DatabaseProvider> Providers =>
        (Environment.GetEnvironmentVariable(ProvidersVariable) is { Length: > 0 } v ? v : "Sqlite,PostgreSQL")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(p => DatabaseOptions.TryParseProvider(p, out var kind) ? kind : throw new ArgumentException($"Unknown provider '{p}' in {ProvidersVariable}."));
}

/// <summary>A benchmark that only makes sense for one provider (a floor such as cp of the SQLite file or pg_dump of the
/// PostgreSQL database): its cases for the other provider are left out of the run.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ProviderOnlyAttribute(DatabaseProvider provider) : Attribute
{
    public DatabaseProvider Provider => provider;

    public static bool Applies(BenchmarkCase benchmark) =>
        benchmark.Descriptor.WorkloadMethod.GetCustomAttribute<ProviderOnlyAttribute>() is not { } only
        || benchmark.Parameters.Items.FirstOrDefault(p => p.Name == "Provider")?.Value is not DatabaseProvider provider
        || provider == only.Provider;
}
