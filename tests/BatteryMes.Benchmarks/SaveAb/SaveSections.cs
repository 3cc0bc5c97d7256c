using System.Diagnostics;

namespace BatteryMes.Benchmarks.SaveAb;

/// <summary>Where the time of one legacy save goes: marks between sections, summed per section name over a run.
/// Off unless <see cref="Enabled"/>; single-threaded use only (the A/B runner saves one at a time).</summary>
public static class SaveSections
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static long _last;
    public static bool Enabled { get; set; }
    public static Dictionary<string, List<double>> Times { get; } = [];

    public static void Start() => _last = Clock.ElapsedTicks;

    public static void Mark(string section)
    {
        if (!Enabled) return;
        var now = Clock.ElapsedTicks;
        if (!Times.TryGetValue(section, out var list)) Times[section] = list = [];
        list.Add((now - _last) * 1000.0 / Stopwatch.Frequency);
        _last = now;
    }
}
