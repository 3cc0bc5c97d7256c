using System.Diagnostics;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.QrCodes;
using Microsoft.Extensions.DependencyInjection;
using QRCoder;

namespace BatteryMes.Benchmarks.Reporting;

/// <summary>`bench labels [--rounds 3] [--count 1000]`: where a label batch spends its time, and the label renderer old
/// against new in one process (interleaved rounds, so a busy machine slows both alike), over a SQLite working copy of
/// the 1,000-pack seed. Seconds instead of a full BenchmarkDotNet run; the LabelBatch suite gives the figures.</summary>
public static class LabelTimings
{
    public static async Task<string> RunAsync(int rounds, int count)
    {
        var file = SeededDatabases.SqliteWorkingCopy(1000, "label-timings");
        var folder = Path.Combine(Path.GetDirectoryName(file)!, "home");
        try
        {
            await using var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={file}", folder,
                informationFrom: typeof(LabelBatchService).FullName);
            return await RunAsync(services.GetRequiredService<LabelBatchService>(), rounds, count);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    private static async Task<string> RunAsync(LabelBatchService service, int rounds, int count)
    {
        var payloads = Enumerable.Range(0, count).Select(i => $"http://127.0.0.1:8620/entry/QB{800_000 + i:0000000}").ToList();
        var lines = new List<string> { $"Label batch of {count} ({Environment.ProcessorCount} cores, load at start {ResultsTable.LoadAverage()}):" };
        var times = new Dictionary<string, List<double>>();
        void Time(string what, Action work)
        {
            var watch = Stopwatch.StartNew();
            work();
            (times.TryGetValue(what, out var list) ? list : times[what] = []).Add(watch.Elapsed.TotalMilliseconds);
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        var batch = 0;
        LabelBatchResult Generate() => service.GenerateAsync(
            new LabelBatchRequest { Prefix = "QB", Start = 900_000 + count * batch++, Count = count, Padding = 7 }, "http://127.0.0.1:8620").GetAwaiter().GetResult();

        // Warm-up: JIT, font, EF model.
        foreach (var p in payloads.Take(20)) { LegacyLabelImage.RenderPng(p, p[^9..], null, 300); LabelImage.RenderPng(p, p[^9..], null, 300); }
        Generate();

        for (var r = 0; r < rounds; r++)
        {
            Time("QR encoding only (QRCoder, one thread)", () => { foreach (var p in payloads) QRCodeGenerator.GenerateQrCode(p, QRCodeGenerator.ECCLevel.H).Dispose(); });
            Time("old render, one thread", () => { foreach (var p in payloads) LegacyLabelImage.RenderPng(p, p[^9..], null, 300); });
            Time("new render, one thread", () => { foreach (var p in payloads) LabelImage.RenderPng(p, p[^9..], null, 300); });
            Time("old render, parallel", () => Parallel.ForEach(payloads, options, p => LegacyLabelImage.RenderPng(p, p[^9..], null, 300)));
            Time("new render, parallel", () => Parallel.ForEach(payloads, options, p => LabelImage.RenderPng(p, p[^9..], null, 300)));
            Time("whole batch (GenerateAsync)", () => { if (Generate().Batch is null) throw new InvalidOperationException("The batch was refused."); });
            Console.WriteLine($"round {r + 1} done, load {ResultsTable.LoadAverage()}");
        }
        double Median(string what) => times[what].Order().ElementAt(times[what].Count / 2);
        foreach (var (what, list) in times)
            lines.Add($"- {what}: median {Median(what):0} ms (min {list.Min():0}, max {list.Max():0}, {list.Count} rounds)");
        lines.Add($"- render ratio old/new: one thread {Median("old render, one thread") / Median("new render, one thread"):0.0}x, parallel {Median("old render, parallel") / Median("new render, parallel"):0.0}x");
        var oldPng = LegacyLabelImage.RenderPng(payloads[0], payloads[0][^9..], null, 300);
        var newPng = LabelImage.RenderPng(payloads[0], payloads[0][^9..], null, 300);
        lines.Add($"- one label: old {oldPng.WidthPixels}x{oldPng.HeightPixels} px, {oldPng.Bytes.Length} B; new {newPng.WidthPixels}x{newPng.HeightPixels} px, {newPng.Bytes.Length} B");
        lines.Add($"- same label, old and new pixels: {Compare(oldPng.Bytes, newPng.Bytes)}");
        var twoLines = (Old: LegacyLabelImage.RenderPng(payloads[0], payloads[0][^9..], "Model BX-48V", 300), New: LabelImage.RenderPng(payloads[0], payloads[0][^9..], "Model BX-48V", 300));
        lines.Add($"- with a second line: {twoLines.Old.HeightPixels} and {twoLines.New.HeightPixels} px high; pixels: {Compare(twoLines.Old.Bytes, twoLines.New.Bytes)}");
        lines.Add($"- load at end {ResultsTable.LoadAverage()}");
        await Task.CompletedTask;
        return string.Join('\n', lines);
    }

    /// <summary>How far the new renderer's pixels are from the old one's (grey levels, 0 black to 255 white).</summary>
    private static string Compare(byte[] oldPng, byte[] newPng)
    {
        using var a = SkiaSharp.SKBitmap.Decode(oldPng);
        using var b = SkiaSharp.SKBitmap.Decode(newPng);
        if (a.Width != b.Width || a.Height != b.Height) return $"sizes differ ({a.Width}x{a.Height} and {b.Width}x{b.Height})";
        int differ = 0, maxDelta = 0;
        for (var y = 0; y < a.Height; y++)
            for (var x = 0; x < a.Width; x++)
            {
                var delta = Math.Abs(a.GetPixel(x, y).Red - b.GetPixel(x, y).Red);
                if (delta > 0) differ++;
                maxDelta = Math.Max(maxDelta, delta);
            }
        return $"{differ} of {a.Width * a.Height} differ, by at most {maxDelta} grey levels";
    }
}
