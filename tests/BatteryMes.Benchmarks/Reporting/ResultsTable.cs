using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BatteryMes.Benchmarks.Seeding;
using BenchmarkDotNet.Reports;

namespace BatteryMes.Benchmarks.Reporting;

/// <summary>Writes one markdown file with the machine, the seeds and one table of every benchmark case
/// (median, 95th percentile, mean, min, max, iterations, memory allocated per operation).</summary>
public static class ResultsTable
{
    public static string Write(string path, IEnumerable<Summary> summaries, DateTime startedUtc, string loadAtStart)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Battery MES benchmarks").AppendLine();
        sb.AppendLine($"Run {startedUtc:yyyy-MM-dd HH:mm} UTC, {(DateTime.UtcNow - startedUtc).TotalMinutes:N1} min. Machine: {MachineDescription()}.");
        sb.AppendLine($"Load average at start: {loadAtStart} (other work on the machine makes the figures pessimistic).").AppendLine();
        if (SeededDatabases.Seeded.Count > 0)
        {
            sb.AppendLine("Seeded in this run (cached seeds are re-used and not listed):").AppendLine();
            foreach (var (provider, summary) in SeededDatabases.Seeded) sb.AppendLine($"- {provider}: {summary}");
            sb.AppendLine();
        }
        sb.AppendLine("| benchmark | database | packs | median | p95 | mean | min | max | n | allocated per op |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var summary in summaries)
        {
            foreach (var report in summary.Reports)
            {
                var c = report.BenchmarkCase;
                var provider = c.Parameters.Items.FirstOrDefault(p => p.Name == "Provider")?.Value?.ToString() ?? "Sqlite";
                var packs = c.Parameters.Items.FirstOrDefault(p => p.Name == "Packs")?.Value is int n ? n.ToString("N0", CultureInfo.InvariantCulture)
                    // A suite without a pack-count parameter (master workbook selection): show its own parameter instead.
                    : string.Join(", ", c.Parameters.Items.Where(p => p.Name != "Provider").Select(p => p.Value));
                var s = report.ResultStatistics;
                var allocated = report.GcStats.GetBytesAllocatedPerOperation(c);
                sb.Append($"| {c.Descriptor.WorkloadMethodDisplayInfo.Trim('\'')} | {provider} | {packs} | ");
                sb.AppendLine(s is null
                    ? "failed | | | | | | |"
                    : $"{Time(s.Median)} | {Time(s.Percentiles.P95)} | {Time(s.Mean)} | {Time(s.Min)} | {Time(s.Max)} | {s.N} | {Bytes(allocated)} |");
            }
        }
        sb.AppendLine().AppendLine("Times are wall-clock per operation (BenchmarkDotNet, in-process, Monitoring strategy: one call per iteration, " +
            "few warm-ups and iterations so that the whole run stays bounded). \"allocated per op\" is managed memory allocated by the operation " +
            "(BenchmarkDotNet MemoryDiagnoser), not the database engine's native memory.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, sb.ToString());
        return sb.ToString();
    }

    public static string MachineDescription()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal)) is { } m
                ? $"{long.Parse(m.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576.0:N1} GB RAM" : null
            : null;
        return string.Join(", ", new[] { $"{Environment.ProcessorCount} cores", cpu, memory, RuntimeInformation.OSDescription, $".NET {Environment.Version}" }
            .Where(x => !string.IsNullOrEmpty(x)));
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Time(double nanoseconds) => nanoseconds switch
    {
        >= 1e9 => $"{nanoseconds / 1e9:N2} s",
        >= 1e6 => $"{nanoseconds / 1e6:N1} ms",
        _ => $"{nanoseconds / 1e3:N0} µs",
    };

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        >= 1L << 20 => $"{bytes / 1048576.0:N1} MB",
        >= 1L << 10 => $"{bytes / 1024.0:N0} KB",
        _ => $"{bytes} B",
    };
}
