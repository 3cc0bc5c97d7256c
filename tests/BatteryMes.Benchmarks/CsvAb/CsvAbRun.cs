using System.Diagnostics;
using System.Globalization;
using System.Text;
using BatteryMes.Benchmarks.Benchmarks;
using BatteryMes.Benchmarks.Reporting;
using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.CsvAb;

/// <summary>The `csv-ab` command: the results CSV of every pack (SQLite, or PostgreSQL on the bench cluster) with 0, 1,
/// 2 and 4 reader connections (<see cref="ResultsCsvWriter.Fillers"/>), interleaved round by round on one seed, each written to a sink that
/// counts bytes. Wall time and the process's CPU time per export (CPU is the steadier figure on a shared machine),
/// and the bytes, which must be the same for every variant.</summary>
public static class CsvAbRun
{
    public static async Task<string> RunAsync(DatabaseProvider provider, int packs, int rounds)
    {
        var connectionString = provider == DatabaseProvider.Sqlite
            ? $"Data Source={SeededDatabases.SqliteSeed(packs)}"
            : SeededDatabases.PostgresReadCopy(packs);
        var folder = Path.Combine(SeededDatabases.Root, "work", $"csv-ab-{packs}-{Environment.ProcessId}-out");
        using var services = BenchServices.Build(provider, connectionString, folder);
        var contexts = services.GetRequiredService<IDbContextFactory<MesDbContext>>();
        var route = services.GetRequiredService<ProcessRoute>();
        var clock = services.GetRequiredService<PlantClock>();
        int[] fillers = Environment.GetEnvironmentVariable("CSVAB_FILLERS") is { } only ? only.Split(',').Select(int.Parse).ToArray() : [0, 1, 2, 4];
        var wall = fillers.ToDictionary(f => f, _ => new List<double>());
        var cpu = fillers.ToDictionary(f => f, _ => new List<double>());
        var serverCpu = fillers.ToDictionary(f => f, _ => new List<double>());
        var server = provider == DatabaseProvider.PostgreSQL ? ServerCpu.Find(connectionString) : null;
        var bytes = new HashSet<long>();
        var loadAtStart = ResultsTable.LoadAverage();
        for (var round = -1; round < rounds; round++)
        {
            for (var i = 0; i < fillers.Length; i++)
            {
                var count = fillers[(i + Math.Max(round, 0)) % fillers.Length];
                var writer = new ResultsCsvWriter(contexts, route, clock) { Fillers = count };
                using var sink = new ResultsCsvBenchmarks.CountingStream();
                var cpuBefore = CpuClock.Ms();
                var serverBefore = server?.Ms() ?? 0;
                var clockWatch = Stopwatch.StartNew();
                await writer.WriteAsync(PackFilter.All, sink);
                if (round < 0) continue; // the first round warms up (JIT, page cache)
                wall[count].Add(clockWatch.Elapsed.TotalMilliseconds);
                cpu[count].Add(CpuClock.Ms() - cpuBefore);
                serverCpu[count].Add((server?.Ms() ?? 0) - serverBefore);
                bytes.Add(sink.Length);
                if (writer.LastReaders != Math.Max(count, 1))
                    throw new InvalidOperationException($"Asked for {count} reader connections, the export used {writer.LastReaders}.");
            }
        }
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        if (provider == DatabaseProvider.PostgreSQL) SeededDatabases.DropReadCopies();
        if (bytes.Count != 1) throw new InvalidOperationException($"The variants wrote different files: {string.Join(", ", bytes)} bytes.");

        var text = Timings.Report($"Results CSV on {provider}, {packs:N0} packs ({bytes.Single() / 1048576.0:N0} MB of CSV), {rounds} interleaved rounds after one warm-up round", loadAtStart);
        text.AppendLine("| reader connections | wall median | wall min | wall max | CPU median (process, user + system) | CPU median (PostgreSQL server) |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var f in fillers)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {(f == 0 ? "0 (the pack query's connection reads everything)" : f.ToString(CultureInfo.InvariantCulture))} | {Seconds(Timings.Median(wall[f]))} | {Seconds(wall[f].Min())} | {Seconds(wall[f].Max())} | {Seconds(Timings.Median(cpu[f]))} | {(server is null ? "" : Seconds(Timings.Median(serverCpu[f])))} |");
        return text.ToString();
    }

    private static string Seconds(double ms) => $"{ms / 1000:0.00} s";

    /// <summary>CPU time of a local PostgreSQL cluster (/proc): its server processes' user + system time, and that of
    /// those already ended (counted in the postmaster's children's time). Includes whatever else the cluster serves.</summary>
    private sealed class ServerCpu(int postmaster)
    {
        public static ServerCpu? Find(string connectionString)
        {
            using var connection = new Npgsql.NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand("SELECT pg_backend_pid()", connection);
            var backend = (int)command.ExecuteScalar()!;
            return Stat(backend) is { } stat ? new ServerCpu(int.Parse(stat[1], CultureInfo.InvariantCulture)) : null;
        }

        public double Ms()
        {
            long ticks = 0;
            if (Stat(postmaster) is { } own) ticks += Field(own, 11) + Field(own, 12) + Field(own, 13) + Field(own, 14);
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
                if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && stat[1] == postmaster.ToString(CultureInfo.InvariantCulture))
                    ticks += Field(stat, 11) + Field(stat, 12);
            return ticks * 10.0; // USER_HZ is 100 on Linux
        }

        /// <summary>The fields of /proc/PID/stat after the command name (field 3 onwards, so index 0 is the state).</summary>
        private static string[]? Stat(int pid)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/stat");
                return text[(text.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static long Field(string[] stat, int index) => long.Parse(stat[index], CultureInfo.InvariantCulture);
    }
}
