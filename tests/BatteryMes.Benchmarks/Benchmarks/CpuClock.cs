using System.Diagnostics;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>CPU time (user + system) in ms to the microsecond (getrusage): steadier than wall time for an A/B on a
/// shared machine, because it does not count the time a busy machine keeps the process waiting.</summary>
internal static class CpuClock
{
    /// <summary>This process's CPU time, plus that of its finished, waited-for children (such as cp) when asked.</summary>
    public static double Ms(bool withChildren = false)
    {
        if (!OperatingSystem.IsLinux()) return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        var total = Of(0);
        if (withChildren) total += Of(-1);
        return total;
    }

    private static double Of(int who)
    {
        var usage = new long[18];
        _ = getrusage(who, usage);
        return (usage[0] + usage[2]) * 1000.0 + (usage[1] + usage[3]) / 1000.0;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, long[] usage);
}
