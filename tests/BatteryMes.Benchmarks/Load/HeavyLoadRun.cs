using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace BatteryMes.Benchmarks.Load;

/// <summary>Heavy downloads against the running app on loopback: a number of workers each asks for one heavy download
/// after another (master workbook of every pack, results CSV, a QR label batch, a backup file, in turn) for a bounded
/// time, while /health is asked every 100 ms. Reports /health p50/p95/max, the app's peak memory (VmRSS sampled, and
/// VmHWM from /proc) and CPU, and per kind of download how many were answered 200 and how many were refused busy
/// (503 or 429). A refused worker waits <see cref="RefusedPause"/> and asks again, as an impatient person would.</summary>
public static class HeavyLoadRun
{
    public static readonly TimeSpan HealthInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan RefusedPause = TimeSpan.FromMilliseconds(500);
    public const int LabelsPerBatch = 500;

    public sealed record Download(string Kind, int Ok, int Refused, int Failed, double P50Ms, double MaxMs, long Bytes);

    public sealed record Result(int Workers, double Seconds, int HealthAnswers, int HealthFailures, double HealthP50, double HealthP95, double HealthMax,
        double PeakRssMb, double HwmMb, double CpuPercent, IReadOnlyList<Download> Downloads, string? FirstError)
    {
        public bool AimMet => HealthFailures == 0 && HealthP95 < 200 && HwmMb < 1024;
    }

    private sealed class Tally
    {
        public int Ok, Refused, Failed;
        public long Bytes;
        public readonly List<double> Times = [];
    }

    public static async Task<Result> RunAsync(string baseUrl, int appPid, string apiKey, int workers, TimeSpan duration)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 100 })
        {
            BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var backup = await BackupNameAsync(http);
        var run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var batch = 0;
        var kinds = new List<(string Kind, Func<HttpRequestMessage> Request)>
        {
            ("master workbook (every pack's form)", () => new HttpRequestMessage(HttpMethod.Get, "/api/reports/master.xlsx")),
            ("results CSV (every pack)", () => new HttpRequestMessage(HttpMethod.Get, "/api/reports/results.csv")),
            ($"QR label batch ({LabelsPerBatch}, ZIP)", () => new HttpRequestMessage(HttpMethod.Post, "/api/qr/batches")
            {
                Content = JsonContent.Create(new { prefix = $"HV{run}-{Interlocked.Increment(ref batch)}-", start = 1, count = LabelsPerBatch, padding = 4 }),
            }),
        };
        if (backup is not null) kinds.Add(("backup file", () => new HttpRequestMessage(HttpMethod.Get, $"/api/backups/{Uri.EscapeDataString(backup)}")));
        var tallies = kinds.ToDictionary(k => k.Kind, _ => new Tally());
        string? firstError = null;

        var cpuBefore = ProcFs.CpuSeconds(appPid);
        var watch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        var health = Task.Run(() => PollHealthAsync(baseUrl, stop.Token));
        var workerTasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var n = w; !stop.IsCancellationRequested; n++)
            {
                var (kind, request) = kinds[n % kinds.Count];
                var tally = tallies[kind];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var message = request();
                    using var answer = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
                    if (answer.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
                    {
                        lock (tally) tally.Refused++;
                        await Task.Delay(RefusedPause, CancellationToken.None);
                        continue;
                    }
                    if (!answer.IsSuccessStatusCode) throw new InvalidOperationException($"{kind}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                    // The whole body is read, as a browser saving the file would.
                    await using var body = await answer.Content.ReadAsStreamAsync();
                    var bytes = await CountAsync(body);
                    lock (tally)
                    {
                        tally.Ok++;
                        tally.Bytes += bytes;
                        tally.Times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException or IOException)
                {
                    lock (tally) tally.Failed++;
                    Interlocked.CompareExchange(ref firstError, ex.Message, null);
                }
            }
        })).ToArray();

        var peakRss = 0.0;
        while (!workerTasks.All(t => t.IsCompleted))
        {
            peakRss = Math.Max(peakRss, ProcFs.MemoryMb(appPid));
            await Task.Delay(200);
        }
        await Task.WhenAll(workerTasks);
        var healthTimes = await health;
        var seconds = watch.Elapsed.TotalSeconds;
        var cpu = (ProcFs.CpuSeconds(appPid) - cpuBefore) / seconds * 100;
        var answered = healthTimes.Where(h => h.Ok).Select(h => h.Ms).Order().ToList();
        var downloads = kinds.Select(k =>
        {
            var t = tallies[k.Kind];
            t.Times.Sort();
            return new Download(k.Kind, t.Ok, t.Refused, t.Failed, Stats.Percentile(t.Times, 0.5), t.Times.LastOrDefault(), t.Bytes);
        }).ToList();
        return new Result(workers, seconds, answered.Count, healthTimes.Count(h => !h.Ok), Stats.Percentile(answered, 0.5), Stats.Percentile(answered, 0.95),
            answered.LastOrDefault(), peakRss, ProcFs.PeakMemoryMb(appPid), cpu, downloads, firstError);
    }

    /// <summary>GET /health every <see cref="HealthInterval"/> (the next one at once when an answer took longer), on a
    /// connection of its own, as a monitoring system would; an answer other than 200 or none within 10 s is a failure.</summary>
    private static async Task<List<(bool Ok, double Ms)>> PollHealthAsync(string baseUrl, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
        var times = new List<(bool, double)>();
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            bool ok;
            try
            {
                using var answer = await http.GetAsync("/health", CancellationToken.None);
                await answer.Content.ReadAsByteArrayAsync(CancellationToken.None);
                ok = answer.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                ok = false;
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            times.Add((ok, elapsed.TotalMilliseconds));
            if (elapsed < HealthInterval)
            {
                try { await Task.Delay(HealthInterval - elapsed, stop); } catch (OperationCanceledException) { }
            }
        }
        return times;
    }

    /// <summary>The newest backup file, made first when there is none (a manual backup).</summary>
    private static async Task<string?> BackupNameAsync(HttpClient http)
    {
        using (var made = await http.PostAsync("/api/backups", JsonContent.Create(new { })))
            if (!made.IsSuccessStatusCode && made.StatusCode != HttpStatusCode.Conflict)
                Console.WriteLine($"No manual backup: {(int)made.StatusCode} {await made.Content.ReadAsStringAsync()}");
        using var list = await http.GetAsync("/api/backups");
        if (!list.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).FirstOrDefault(n => n is not null);
    }

    private static async Task<long> CountAsync(Stream body)
    {
        var buffer = new byte[81920];
        long total = 0;
        for (int read; (read = await body.ReadAsync(buffer)) > 0;) total += read;
        return total;
    }

    public static string Describe(Result r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{r.Workers} heavy workers, {r.Seconds:N0} s: /health p50 {r.HealthP50:N0} ms, p95 {r.HealthP95:N0} ms, max {r.HealthMax:N0} ms ({r.HealthAnswers} answers, {r.HealthFailures} failed); " +
            $"app peak VmRSS {r.PeakRssMb:N0} MB, VmHWM {r.HwmMb:N0} MB, CPU {r.CpuPercent:N0} %; ") +
        string.Join("; ", r.Downloads.Select(d => $"{d.Kind}: {d.Ok} x 200, {d.Refused} busy, {d.Failed} failed"));

    public static string Table(Result r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| workers | seconds | /health p50 | /health p95 | /health max | /health answers | /health failures | app peak VmRSS | app VmHWM | app CPU |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Workers} | {r.Seconds:N0} | {r.HealthP50:N0} ms | {r.HealthP95:N0} ms | {r.HealthMax:N0} ms | {r.HealthAnswers} | {r.HealthFailures} | {r.PeakRssMb:N0} MB | {r.HwmMb:N0} MB | {r.CpuPercent:N0} % |"));
        sb.AppendLine();
        sb.AppendLine("| download | 200 | busy (503/429) | failed | p50 time (200) | max time (200) | MB received |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var d in r.Downloads)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {d.Kind} | {d.Ok} | {d.Refused} | {d.Failed} | {d.P50Ms:N0} ms | {d.MaxMs:N0} ms | {d.Bytes / 1048576.0:N1} |"));
        sb.AppendLine();
        sb.AppendLine(r.AimMet
            ? "Aim met: /health p95 under 200 ms with no failed answer, and the app's peak working set under 1 GB."
            : $"Aim missed: /health p95 {r.HealthP95:N0} ms (aim < 200 ms), {r.HealthFailures} failed answers, peak working set {r.HwmMb:N0} MB (aim < 1,024 MB).");
        if (r.FirstError is not null) sb.AppendLine().AppendLine($"First download error: {r.FirstError}");
        return sb.ToString();
    }
}
