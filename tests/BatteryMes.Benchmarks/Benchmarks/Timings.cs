using System.Globalization;
using System.Text;
using BatteryMes.Benchmarks.Reporting;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>Figures of the A/B commands (snapshot-ab, csv-ab), which time by hand instead of through BenchmarkDotNet.</summary>
internal static class Timings
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The start of an A/B report: its title, then when and where it ran and the load average.</summary>
    public static StringBuilder Report(string title, string loadAtStart)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {title}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {ResultsTable.MachineDescription()}. Load average at start: {loadAtStart}; at the end: {ResultsTable.LoadAverage()}.");
        text.AppendLine();
        return text;
    }
}
