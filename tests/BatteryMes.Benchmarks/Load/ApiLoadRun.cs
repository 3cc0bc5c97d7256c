using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using BatteryMes.Web.Domain;

namespace BatteryMes.Benchmarks.Load;

/// <summary>Many API users at once against the running app on loopback, for a bounded time per step: each user
/// registers a pack, saves each stage in full (in-limit measured values where a check has limits) and has the QC
/// inspector sign it off (their own API key and PIN: a second person, as the app asks by default), then takes the next pack. Reports saves per second,
/// p50/p95/p99 save latency, errors, and the server's CPU and memory (read from /proc of the app's process).
/// Browser sessions (Blazor circuits through the real page) run alongside when given: see <see cref="BrowserSessions"/>.</summary>
public static class ApiLoadRun
{
    public sealed record Step(int Users, int Saves, int Completes, int Errors, double SavesPerSecond, double P50, double P95, double P99,
        double CompleteP95, double ServerCpuPercent, double ServerMemoryMb, string? FirstError, BrowserSessions.StepFigures? Browsers = null)
    {
        /// <summary>The slower of the API's and the browsers' p95 save latency.</summary>
        public double WorstP95 => Math.Max(P95, Browsers?.SaveP95 ?? 0);
        public int AllUsers => Users + (Browsers?.Sessions ?? 0);
    }

    /// <summary>One step per entry of <paramref name="userSteps"/> (API users); the browser sessions, when given, work
    /// alongside in every step and their figures are read per step.</summary>
    public static async Task<IReadOnlyList<Step>> RunAsync(string baseUrl, int appPid, IReadOnlyList<int> userSteps, TimeSpan stepDuration, ProcessRoute route,
        BrowserSessions? browsers = null, Action<Step>? stepDone = null)
    {
        var steps = new List<Step>();
        var run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        foreach (var users in userSteps)
        {
            var latencies = new List<double>();
            var completeLatencies = new List<double>();
            var errors = 0;
            var completes = 0;
            string? firstError = null;
            var cpuBefore = ProcFs.CpuSeconds(appPid);
            browsers?.BeginStep();
            var watch = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(stepDuration);
            var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
            // The API needs sign-in: scripts/load.sh makes a key for a load person with every role, who records, and one
            // for the QC inspector, who signs off (the app refuses a sign-off by the only person who recorded the stage).
            if (LoadPeople.ApiKey is { Length: > 0 } key)
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var inspector = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
            inspector.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", LoadPeople.SignerKey);
            var signOff = new { pin = LoadPeople.Pin };
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
                                results = stage.Checks.Select(c => new { checkCode = c.Code, moduleX = "OK", moduleY = "OK", measuredX = Middle(c), measuredY = Middle(c) }),
                            };
                            var t = Stopwatch.GetTimestamp();
                            using (var saved = await http.PutAsJsonAsync($"/api/packs/{packId}/stages/{stage.Number}", body, CancellationToken.None))
                            {
                                if (!saved.IsSuccessStatusCode) throw new InvalidOperationException($"PUT stage {stage.Number} {(int)saved.StatusCode}: {await saved.Content.ReadAsStringAsync()}");
                                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                            }
                            t = Stopwatch.GetTimestamp();
                            using (var done = await inspector.PostAsJsonAsync($"/api/packs/{packId}/stages/{stage.Number}/complete", signOff, CancellationToken.None))
                            {
                                if (!done.IsSuccessStatusCode) throw new InvalidOperationException($"complete stage {stage.Number} {(int)done.StatusCode}: {await done.Content.ReadAsStringAsync()}");
                                lock (completeLatencies) completeLatencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
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
                memory = Math.Max(memory, ProcFs.MemoryMb(appPid));
                await Task.Delay(500);
            }
            await Task.WhenAll(tasks);
            var seconds = watch.Elapsed.TotalSeconds;
            var browserFigures = browsers?.EndStep(watch.Elapsed);
            var cpu = (ProcFs.CpuSeconds(appPid) - cpuBefore) / seconds * 100;
            latencies.Sort();
            completeLatencies.Sort();
            steps.Add(new Step(users, latencies.Count, completes, errors, latencies.Count / seconds,
                Stats.Percentile(latencies, 0.50), Stats.Percentile(latencies, 0.95), Stats.Percentile(latencies, 0.99), Stats.Percentile(completeLatencies, 0.95), cpu, memory, firstError, browserFigures));
            Console.WriteLine(Describe(steps[^1]));
            stepDone?.Invoke(steps[^1]);
        }
        return steps;
    }

    public static string Describe(Step s) =>
        $"{s.Users} API users: {s.Saves} saves ({s.SavesPerSecond:N1}/s), p50 {s.P50:N0} ms, p95 {s.P95:N0} ms, p99 {s.P99:N0} ms, sign-off p95 {s.CompleteP95:N0} ms, {s.Errors} errors, server CPU {s.ServerCpuPercent:N0} %, peak memory {s.ServerMemoryMb:N0} MB" +
        (s.Browsers is { } b ? $"; {b.Sessions} browsers: {b.Saves} saves, p50 {b.SaveP50:N0} ms, p95 {b.SaveP95:N0} ms, p99 {b.SaveP99:N0} ms, sign-off p95 {b.CompleteP95:N0} ms, {b.Errors} errors, browser CPU {b.BrowserCpuPercent:N0} %" : "");

    public static string Table(IReadOnlyList<Step> steps)
    {
        var sb = new StringBuilder();
        var withBrowsers = steps.Any(s => s.Browsers is not null);
        sb.Append("| API users | saves | saves/s | p50 | p95 | p99 | sign-off p95 | errors |");
        if (withBrowsers) sb.Append(" browsers | browser saves | browser p50 | browser p95 | browser p99 | browser sign-off p95 | browser errors | browser CPU |");
        sb.AppendLine(" server CPU | server memory (peak) |");
        sb.Append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        if (withBrowsers) sb.Append(" ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        sb.AppendLine(" ---: | ---: |");
        foreach (var s in steps)
        {
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"| {s.Users} | {s.Saves} | {s.SavesPerSecond:N1} | {s.P50:N0} ms | {s.P95:N0} ms | {s.P99:N0} ms | {s.CompleteP95:N0} ms | {s.Errors} |"));
            if (s.Browsers is { } b)
                sb.Append(string.Create(CultureInfo.InvariantCulture,
                    $" {b.Sessions} | {b.Saves} | {b.SaveP50:N0} ms | {b.SaveP95:N0} ms | {b.SaveP99:N0} ms | {b.CompleteP95:N0} ms | {b.Errors} | {b.BrowserCpuPercent:N0} % |"));
            else if (withBrowsers) sb.Append(" 0 | | | | | | | |");
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $" {s.ServerCpuPercent:N0} % | {s.ServerMemoryMb:N0} MB |"));
        }
        sb.AppendLine();
        var over = steps.FirstOrDefault(s => s.WorstP95 > 500);
        sb.AppendLine(over is null
            ? $"p95 save latency stayed under 500 ms up to the largest step ({steps.LastOrDefault()?.AllUsers ?? 0} users in all)."
            : $"p95 save latency passed 500 ms at {over.AllUsers} users in all ({over.Users} API users{(over.Browsers is { } ob ? $" + {ob.Sessions} browsers" : "")}): API p95 {over.P95:N0} ms" +
              (over.Browsers is { } b2 ? $", browser p95 {b2.SaveP95:N0} ms" : "") + ".");
        var failing = steps.FirstOrDefault(s => s.FirstError is not null);
        if (failing is not null) sb.AppendLine().AppendLine($"First API error at {failing.Users} users: {failing.FirstError}");
        var browserFailing = steps.FirstOrDefault(s => s.Browsers?.FirstError is not null);
        if (browserFailing is not null) sb.AppendLine().AppendLine($"First browser error at {browserFailing.Users} API users: {browserFailing.Browsers!.FirstError}");
        return sb.ToString();
    }

    private static double? Middle(QcCheck c) => c.Limits switch
    {
        { Min: { } lo, Max: { } hi } => Math.Round((lo + hi) / 2, 3),
        { Min: { } lo } => lo + 1,
        { Max: { } hi } => hi - 0.01,
        _ => null,
    };
}
