using System.Diagnostics;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.Reporting;

/// <summary>`bench reports --packs 1000`: wall-clock times of the real report writers over a seeded SQLite database
/// (one pack's form, the master workbook with every pack's sheet), a few rounds each after one warm-up, so that a
/// change to the writers can be measured in a minute rather than a full BenchmarkDotNet run.</summary>
public static class ReportTimings
{
    public static async Task<string> RunAsync(int packs, int rounds, int maxPackSheets)
    {
        var file = SeededDatabases.SqliteWorkingCopy(packs, "reports");
        var folder = Path.Combine(Path.GetDirectoryName(file)!, "home");
        await using var services = BenchServices.Build(DatabaseProvider.Sqlite, $"Data Source={file}", folder);
        var configuration = (IConfigurationRoot)services.GetRequiredService<IConfiguration>();
        configuration["BatteryMes:Reports:TemplateFile"] = Path.Combine(AppContext.BaseDirectory, "templates", "process-card-template.xlsx");
        configuration["BatteryMes:Reports:MaxPackSheets"] = maxPackSheets.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var form = services.GetRequiredService<PackFormWriter>();
        var master = services.GetRequiredService<MasterWorkbookWriter>();
        string packId;
        await using (var db = await services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync())
            packId = await db.Packs.OrderByDescending(p => p.Id).Select(p => p.PackId).FirstAsync();

        var lines = new List<string> { $"Report writers over a {packs}-pack SQLite seed ({Environment.ProcessorCount} cores, load {ResultsTable.LoadAverage()}):" };
        async Task Time(string what, Func<Stream, Task<string>> write)
        {
            await write(Stream.Null); // warm-up: template read, JIT, EF model
            var times = new List<double>();
            var detail = "";
            for (var i = 0; i < rounds; i++)
            {
                using var output = new MemoryStream();
                var watch = Stopwatch.StartNew();
                detail = await write(output);
                times.Add(watch.Elapsed.TotalMilliseconds);
                detail += $", {output.Length / 1024} KiB";
            }
            lines.Add($"- {what}: median {times.Order().ElementAt(times.Count / 2):0} ms (min {times.Min():0}, max {times.Max():0}; {detail})");
        }
        await Time("one pack's form", async s => (await form.WriteAsync(packId, s)).Message);
        await Time($"master workbook, {packs} packs", async s => { var r = await master.WriteAsync(PackFilter.All, s); return $"{r.PackSheets} pack sheets"; });
        return string.Join('\n', lines);
    }
}
