using System.Diagnostics;
using System.Globalization;
using System.Text;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Features.Backups;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Benchmarks.SnapshotAb;

/// <summary>The `snapshot-ab` command: a plain cp of the seeded SQLite file against the snapshot copy
/// (<see cref="SnapshotFile.CopyOnline"/>) with its 16 KB destination pages and with destination pages of the source's
/// size (one 4 KB write per page, for comparison), interleaved round by round, the disk settled (sync) before every copy. Wall time
/// and CPU time (user + system, this process and its children) per method, medians and ratios to cp.</summary>
public static class SnapshotAbRun
{
    private sealed record Method(string Name, Action<string, string> Copy);

    public static string Run(int packs, int rounds)
    {
        var source = SeededDatabases.SqliteSeed(packs);
        var folder = Path.Combine(SeededDatabases.Root, "work", $"snapshot-ab-{packs}");
        Directory.CreateDirectory(folder);
        var methods = new List<Method>
        {
            new("Plain cp of the database file", PlainCopy),
            new($"Snapshot copy, {SnapshotFile.CopyPageBytes / 1024} KB destination pages (the app)", (from, to) => SnapshotFile.CopyOnline(from, to)),
            new("Snapshot copy, destination pages of the source's size (before)", (from, to) => SnapshotFile.CopyOnline(from, to, pageBytes: 0)),
        };
        var wall = methods.ToDictionary(m => m.Name, _ => new List<double>());
        var cpu = methods.ToDictionary(m => m.Name, _ => new List<double>());
        var loadAtStart = ResultsTable.LoadAverage();
        for (var round = 0; round < rounds; round++)
        {
            // Rotate the order each round, so that no method always follows the same one.
            for (var i = 0; i < methods.Count; i++)
            {
                var method = methods[(i + round) % methods.Count];
                var copy = Path.Combine(folder, "copy.db");
                foreach (var f in Directory.GetFiles(folder)) File.Delete(f);
                SqliteConnection.ClearAllPools();
                DiskState.Settle();
                var cpuBefore = CpuClock.Ms(withChildren: true);
                var clock = Stopwatch.StartNew();
                method.Copy(source, copy);
                wall[method.Name].Add(clock.Elapsed.TotalMilliseconds);
                cpu[method.Name].Add(CpuClock.Ms(withChildren: true) - cpuBefore);
                if (new FileInfo(copy).Length != new FileInfo(source).Length)
                    throw new InvalidOperationException($"{method.Name}: the copy's size differs from the source's.");
            }
        }
        foreach (var f in Directory.GetFiles(folder)) File.Delete(f);

        var cpMedian = Timings.Median(wall[methods[0].Name]);
        var text = Timings.Report($"Snapshot copy against cp, {packs:N0} packs ({new FileInfo(source).Length / 1048576.0:N0} MB), {rounds} interleaved rounds", loadAtStart);
        text.AppendLine("| method | wall median | wall min | wall max | x cp (median) | CPU median (user + system) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in methods)
        {
            var w = wall[m.Name];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Name} | {Ms(Timings.Median(w))} | {Ms(w.Min())} | {Ms(w.Max())} | {Timings.Median(w) / cpMedian:0.00} | {Ms(Timings.Median(cpu[m.Name]))} |");
        }
        return text.ToString();
    }

    /// <summary>The floor every snapshot is compared with: the system's cp of the file.</summary>
    internal static void PlainCopy(string from, string to)
    {
        using var cp = Process.Start(new ProcessStartInfo("cp", ["--", from, to]) { UseShellExecute = false })!;
        cp.WaitForExit();
        if (cp.ExitCode != 0) throw new InvalidOperationException($"cp failed ({cp.ExitCode}).");
    }

    private static string Ms(double ms) => ms >= 1000 ? $"{ms / 1000:0.00} s" : $"{ms:0} ms";
}
