using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using BatteryMes.Web.Domain;

namespace BatteryMes.Benchmarks.Load;

/// <summary>Many API users at once against the running app on loopback, for a bounded time per step: each user
/// registers a pack, saves each stage in full and completes it, then takes the next pack. Reports saves per second,
/// p50/p95/p99 save latency, errors, and the server's CPU and memory (read from /proc of the app's process).
/// Browser sessions (Blazor circuits) are not driven here yet: see the README's load section.</summary>
public static class ApiLoadRun
{
    public sealed record Step(int Users, int Saves, int Completes, int Errors, double SavesPerSecond, double P50, double P95, double P99,
        double ServerCpuPercent, double ServerMemoryMb, string? FirstError);

    public static async Task<IReadOnlyList<Step>> RunAsync(string baseUrl, int appPid, IReadOnlyList<int> userSteps, TimeSpan stepDuration, ProcessRoute route)
    {
        var steps = new List<Step>();
        var run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        foreach (var users in userSteps)
        {
            var latencies = new List<double>();
            var errors = 0;
            var completes = 0;
            string? firstError = null;
            var cpuBefore = CpuSeconds(appPid);
            var watch = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(stepDuration);
            var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
            var tasks = Enumerable.Range(1, users).Select(u => Task.Run(async () =>
            {
                var random = new Random(u);
                for (var n = 1; !stop.IsCancellationRequested; n++)
                {
                    var packId = $"LOAD-{run}-{users}-{u}-{n}";
                    try
                    {
                        using (var created = await http.PostAsJsonAsync("/api/packs", new { packId }, CancellationToken.None))
                            if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"POST /api/packs {(int)created.StatusCode}");
                        foreach (var stage in route.Stages)
                        {
                            if (stop.IsCancellationRequested) break;
                            var body = new
                            {
                                technician = $"Load user {u}",
                                qcInspector = "QC load",
                                results = stage.Checks.Select(c => new { checkCode = c.Code, moduleX = "OK", moduleY = "OK", measuredX = Middle(c), measuredY = Middle(c) }),
                            };
                            var t = Stopwatch.GetTimestamp();
                            using (var saved = await http.PutAsJsonAsync($"/api/packs/{packId}/stages/{stage.Number}", body, CancellationToken.None))
                            {
                                if (!saved.IsSuccessStatusCode) throw new InvalidOperationException($"PUT stage {stage.Number} {(int)saved.StatusCode}: {await saved.Content.ReadAsStringAsync()}");
                                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                            }
                            using (var done = await http.PostAsync($"/api/packs/{packId}/stages/{stage.Number}/complete", null, CancellationToken.None))
                            {
                                if (!done.IsSuccessStatusCode) throw new InvalidOperationException($"complete stage {stage.Number} {(int)done.StatusCode}");
                                Interlocked.Increment(ref completes);
                            }
                            // A person takes a moment between stages; the think time keeps users from being a tight loop.
                            await Task.Delay(random.Next(50, 250));
                        }
                    }
                    catch (Exception ex)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, ex.Message, null);
                    }
                }
            })).ToArray();
            var memory = 0.0;
            while (!tasks.All(t => t.IsCompleted))
            {
                memory = Math.Max(memory, MemoryMb(appPid));
                await Task.Delay(500);
            }
            await Task.WhenAll(tasks);
            var seconds = watch.Elapsed.TotalSeconds;
            var cpu = (CpuSeconds(appPid) - cpuBefore) / seconds * 100;
            latencies.Sort();
            steps.Add(new Step(users, latencies.Count, completes, errors, latencies.Count / seconds,
                Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), cpu, memory, firstError));
            Console.WriteLine(Describe(steps[^1]));
        }
        return steps;
    }

    public static string Describe(Step s) =>
        $"{s.Users} users: {s.Saves} saves ({s.SavesPerSecond:N1}/s), p50 {s.P50:N0} ms, p95 {s.P95:N0} ms, p99 {s.P99:N0} ms, {s.Errors} errors, server CPU {s.ServerCpuPercent:N0} %, peak memory {s.ServerMemoryMb:N0} MB";

    public static string Table(IEnumerable<Step> steps)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| users | saves | saves/s | p50 | p95 | p99 | errors | server CPU | server memory (peak) |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in steps)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Users} | {s.Saves} | {s.SavesPerSecond:N1} | {s.P50:N0} ms | {s.P95:N0} ms | {s.P99:N0} ms | {s.Errors} | {s.ServerCpuPercent:N0} % | {s.ServerMemoryMb:N0} MB |"));
        var failing = steps.FirstOrDefault(s => s.FirstError is not null);
        if (failing is not null) sb.AppendLine().AppendLine($"First error at {failing.Users} users: {failing.FirstError}");
        return sb.ToString();
    }

    private static double? Middle(QcCheck c) => c.Limits switch
    {
        { Min: { } lo, Max: { } hi } => Math.Round((lo + hi) / 2, 3),
        { Min: { } lo } => lo + 1,
        { Max: { } hi } => hi - 0.01,
        _ => null,
    };

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>utime + stime of the process from /proc/PID/stat, in seconds (clock ticks of 100 Hz).</summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException) { return 0; }
    }

    private static double MemoryMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { return 0; }
    }
}
