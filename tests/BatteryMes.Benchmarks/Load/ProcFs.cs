using System.Globalization;

namespace BatteryMes.Benchmarks.Load;

/// <summary>CPU and memory of processes from /proc (Linux): the app's process, and the browser tree this process
/// started (Playwright's driver and Chromium with its renderers), so each side's CPU is reported on its own.</summary>
public static class ProcFs
{
    private const double TicksPerSecond = 100.0; // USER_HZ on Linux

    /// <summary>utime + stime of one process, in seconds; 0 once it is gone.</summary>
    public static double CpuSeconds(int pid) => Stat(pid) is { } s ? s.CpuSeconds : 0;

    /// <summary>Resident memory (VmRSS) of one process, in MB.</summary>
    public static double MemoryMb(int pid) => StatusMb(pid, "VmRSS:");

    /// <summary>The most resident memory one process has had since it started (VmHWM), in MB.</summary>
    public static double PeakMemoryMb(int pid) => StatusMb(pid, "VmHWM:");

    private static double StatusMb(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { return 0; }
    }

    /// <summary>CPU seconds so far of every live descendant of <paramref name="root"/>, by process id.</summary>
    public static Dictionary<int, double> DescendantCpu(int root)
    {
        var stats = new List<(int Pid, int Parent, double Cpu)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } s)
                stats.Add((pid, s.Parent, s.CpuSeconds));
        var children = stats.ToLookup(s => s.Parent);
        var result = new Dictionary<int, double>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
            foreach (var child in children[queue.Dequeue()])
            {
                result[child.Pid] = child.Cpu;
                queue.Enqueue(child.Pid);
            }
        return result;
    }

    /// <summary>CPU used between two <see cref="DescendantCpu"/> readings (processes started in between count in full).</summary>
    public static double CpuBetween(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(a => a.Value - before.GetValueOrDefault(a.Key));

    private static (int Parent, double CpuSeconds)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture),
                (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
