using BatteryMes.Benchmarks.Seeding;
using BatteryMes.Web.Features.Reports;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Benchmarks.Benchmarks;

/// <summary>The master workbook over the 1,000-pack seed (each provider) with a form sheet for every pack (MaxPackSheets 1,000, the
/// default): a summary sheet and 1,000 filled form sheets, as the Reports page's "Download master" gives for a
/// filter of 1,000 packs. One warm-up (template compiled, JIT) and five calls: a call is about a second.</summary>
[Config(typeof(FeatureConfig))]
public class MasterWorkbookBenchmarks : FeatureBenchmarkBase
{
    private MasterWorkbookWriter _master = null!;

    /// <summary>Only to name the seed in the results table.</summary>
    [Params(1000)]
    public int Packs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Start("master", 1000, writes: false, new Dictionary<string, string?> { ["BatteryMes:Reports:MaxPackSheets"] = "1000" });
        _master = Services.GetRequiredService<MasterWorkbookWriter>();
    }

    private readonly HeapPeak _peak = new();

    [GlobalCleanup]
    public void TearDown()
    {
        _peak.Report($"Master workbook 1000 packs ({Provider})");
        Stop();
    }

    /// <summary>Written to a sink that only counts bytes, as the response body would take it.</summary>
    [Benchmark(Description = "Master workbook, 1,000 packs, every pack's form sheet")]
    public async Task<long> MasterWorkbook()
    {
        using var output = new ResultsCsvBenchmarks.CountingStream();
        var result = await _peak.SampleWhile(() => _master.WriteAsync(PackFilter.All, output));
        if ((result.Packs, result.PackSheets) != (1000, 1000))
            throw new InvalidOperationException($"Unexpected master: {result.Packs} packs, {result.PackSheets} sheets. {result.Note}");
        return output.Length;
    }
}

/// <summary>The peak of the managed heap while operations run, sampled every 20 ms (BenchmarkDotNet's Allocated
/// column is the total allocated, not the most held at once): the heap including garbage not yet collected, and the
/// heap as the last collection left it (what was held), printed and appended to the seed folder's peak-memory.txt at
/// cleanup.</summary>
internal sealed class HeapPeak
{
    private long _peak;
    private long _peakAfterCollection;
    private long _before = -1;

    public async Task<T> SampleWhile<T>(Func<Task<T>> operation)
    {
        if (_before < 0) _before = GC.GetTotalMemory(forceFullCollection: true);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var heap = GC.GetTotalMemory(forceFullCollection: false);
                if (heap > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, heap);
                var collected = GC.GetGCMemoryInfo();
                var held = collected.HeapSizeBytes - collected.FragmentedBytes;
                if (held > Interlocked.Read(ref _peakAfterCollection)) Interlocked.Exchange(ref _peakAfterCollection, held);
                try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        try
        {
            return await operation();
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
        }
    }

    public void Report(string what)
    {
        if (_peak == 0) return;
        var line = $"{what}: peak managed heap during the calls {_peak / 1048576.0:F0} MB, {_peakAfterCollection / 1048576.0:F0} MB after a collection (before: {_before / 1048576.0:F0} MB)";
        Console.WriteLine(line);
        File.AppendAllText(Path.Combine(SeededDatabases.Root, "peak-memory.txt"), $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC {line}\n");
    }
}

/// <summary>CSV of every pack's results (one row per pack, stage and check), streamed to a sink that only counts
/// bytes, so the figure is the writer's own. The peak of the managed heap during the calls is sampled and printed
/// (BenchmarkDotNet's Allocated column is the total allocated, not the peak held).</summary>
[Config(typeof(SnapshotConfig))]
public class ResultsCsvBenchmarks : FeatureBenchmarkBase
{
    private ResultsCsvWriter _csv = null!;
    private readonly HeapPeak _peak = new();

    [ParamsSource(nameof(PackValues))]
    public int Packs { get; set; }

    public static IEnumerable<int> PackValues => BenchScope.PackCounts;

    [GlobalSetup]
    public void Setup()
    {
        Start("csv", Packs, writes: false);
        _csv = Services.GetRequiredService<ResultsCsvWriter>();
    }

    [GlobalCleanup]
    public void TearDown()
    {
        // Only the export samples the heap (the floor case shares this class and setup).
        _peak.Report($"CSV {Packs} packs ({Provider})");
        Stop();
    }

    [Benchmark(Description = "Results CSV, all packs")]
    public async Task<long> AllResultsCsv()
    {
        using var sink = new CountingStream();
        var rows = await _peak.SampleWhile(() => _csv.WriteAsync(PackFilter.All, sink));
        if (rows <= 0) throw new InvalidOperationException("The CSV had no rows.");
        return sink.Length;
    }

    /// <summary>The floor for the SQLite export: the database's own work for it (the same two statements stepped once
    /// per pack, in one read transaction), with no column read and nothing written. What the export takes beyond
    /// this is the .NET side: reading the columns and formatting the CSV.</summary>
    [Benchmark(Description = "Floor: SQLite steps the export's statements, nothing read")]
    [ProviderOnly(BatteryMes.Web.Configuration.DatabaseProvider.Sqlite)]
    public long SqliteStepsOnly()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var packs = new List<long>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT \"Id\" FROM \"Packs\" ORDER BY \"Id\"";
            using var reader = command.ExecuteReader();
            while (reader.Read()) packs.Add(reader.GetInt64(0));
        }
        SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle, ResultsCsvSources.StagesOfPack, out var stages);
        SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle, ResultsCsvSources.ResultsOfPack, out var results);
        using (stages)
        using (results)
        {
            long rows = 0;
            foreach (var pack in packs)
            {
                foreach (var statement in (SQLitePCL.sqlite3_stmt[])[stages, results])
                {
                    SQLitePCL.raw.sqlite3_reset(statement);
                    SQLitePCL.raw.sqlite3_bind_int64(statement, 1, pack);
                    while (SQLitePCL.raw.sqlite3_step(statement) == SQLitePCL.raw.SQLITE_ROW) rows++;
                }
            }
            if (rows == 0) throw new InvalidOperationException("The statements returned no rows.");
            return rows;
        }
    }

    internal sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
