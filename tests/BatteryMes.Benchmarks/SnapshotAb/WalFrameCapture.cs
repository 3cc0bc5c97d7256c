using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Benchmarks.SnapshotAb;

/// <summary>Pages of a delta: the page images written since the previous capture, newest image per page, and the
/// database size (in pages) after the last commit they belong to.</summary>
internal sealed record PageDelta(int PageSize, SortedDictionary<uint, byte[]> Pages, uint DatabasePages)
{
    public long Bytes => (long)Pages.Count * PageSize;

    /// <summary>Writes the delta as [page number][page image]... then the database size, and forces it to disk.</summary>
    public void Write(string file)
    {
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> number = stackalloc byte[4];
        foreach (var (page, image) in Pages)
        {
            BinaryPrimitives.WriteUInt32BigEndian(number, page);
            stream.Write(number);
            stream.Write(image);
        }
        BinaryPrimitives.WriteUInt32BigEndian(number, DatabasePages);
        stream.Write(number);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Applies deltas, oldest first, onto a copy of their base: each page image at its offset, then the file cut
    /// (or grown) to the size of the last commit, and the header set back to rollback-journal mode (a WAL page 1 says
    /// WAL mode), so the result is one self-contained file like a full snapshot.</summary>
    public static void ApplyOnto(string file, IEnumerable<PageDelta> deltas)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var pageSize = 0;
        foreach (var delta in deltas)
        {
            pageSize = delta.PageSize;
            foreach (var (page, image) in delta.Pages)
            {
                stream.Position = (long)(page - 1) * delta.PageSize;
                stream.Write(image);
            }
            if (delta.DatabasePages > 0) stream.SetLength((long)delta.DatabasePages * delta.PageSize);
        }
        if (pageSize == 0) return;
        stream.Position = 18;
        stream.Write([1, 1]);
        stream.Flush(flushToDisk: true);
    }
}

/// <summary>The incremental way (a): the frames SQLite appended to the write-ahead log since the last capture, read
/// straight from the <c>-wal</c> file and validated the way SQLite's own recovery does (salts of the log header, the
/// running checksum of every frame, only whole transactions: frames up to the last commit frame).
/// The capture runs while holding the write lock (BEGIN IMMEDIATE), so no commit is half-way in the log, and before
/// the checkpoint that would let the next writer start the log again: the checkpointer must be the one that captures.
/// A log restarted after a checkpoint run by anyone else (a commit's own checkpoint, a tool) looks the same as one
/// restarted after this capture's checkpoint: the frames that were lost with it cannot be seen from here.</summary>
internal sealed class WalFrameCapture(string databaseFile)
{
    private const uint MagicLittleEndian = 0x377f0682, MagicBigEndian = 0x377f0683;
    private readonly string _wal = databaseFile + "-wal";
    private uint _salt1, _salt2, _sum1, _sum2;
    private long _nextFrame;
    private bool _started;

    /// <summary>Holds the database's write lock while <paramref name="work"/> runs (readers go on).</summary>
    public static T UnderWriteLock<T>(string databaseFile, Func<T> work)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databaseFile, Pooling = false, DefaultTimeout = 60 }.ToString());
        connection.Open();
        using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "PRAGMA busy_timeout=60000; BEGIN IMMEDIATE;";
            begin.ExecuteNonQuery();
        }
        try
        {
            return work();
        }
        finally
        {
            using var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }
    }

    /// <summary>Reads the committed frames appended since the last call.</summary>
    public PageDelta Capture()
    {
        using var wal = new FileStream(_wal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var header = new byte[32];
        if (wal.Read(header) < 32) return new PageDelta(0, [], 0);
        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic is not (MagicLittleEndian or MagicBigEndian)) throw new InvalidDataException("The -wal file has no valid header.");
        var bigEndian = magic == MagicBigEndian;
        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
        var (h1, h2) = Checksum(bigEndian, header.AsSpan(0, 24), 0, 0);
        if (h1 != BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24)) || h2 != BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28)))
            throw new InvalidDataException("The -wal header fails its checksum.");
        var salt1 = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        var salt2 = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(20));
        if (!_started || salt1 != _salt1 || salt2 != _salt2)
        {
            // A new log: read from its first frame. The old log had nothing uncaptured only if every checkpoint of it ran
            // right after a capture under the same write lock (as in this benchmark).
            (_salt1, _salt2, _sum1, _sum2, _nextFrame, _started) = (salt1, salt2, h1, h2, 0, true);
        }

        var frameBytes = 24 + pageSize;
        var pending = new List<(uint Page, byte[] Image)>();
        var pages = new SortedDictionary<uint, byte[]>();
        uint databasePages = 0;
        var (sum1, sum2) = (_sum1, _sum2);
        var frame = _nextFrame;
        var frameHeader = new byte[24];
        wal.Position = 32 + frame * frameBytes;
        while (true)
        {
            var image = new byte[pageSize];
            if (wal.Read(frameHeader) < 24 || wal.ReadAtLeast(image, pageSize, throwOnEndOfStream: false) < pageSize) break;
            if (BinaryPrimitives.ReadUInt32BigEndian(frameHeader.AsSpan(8)) != _salt1 || BinaryPrimitives.ReadUInt32BigEndian(frameHeader.AsSpan(12)) != _salt2) break;
            (sum1, sum2) = Checksum(bigEndian, frameHeader.AsSpan(0, 8), sum1, sum2);
            (sum1, sum2) = Checksum(bigEndian, image, sum1, sum2);
            if (sum1 != BinaryPrimitives.ReadUInt32BigEndian(frameHeader.AsSpan(16)) || sum2 != BinaryPrimitives.ReadUInt32BigEndian(frameHeader.AsSpan(20))) break;
            frame++;
            pending.Add((BinaryPrimitives.ReadUInt32BigEndian(frameHeader), image));
            var commitSize = BinaryPrimitives.ReadUInt32BigEndian(frameHeader.AsSpan(4));
            if (commitSize == 0) continue;
            foreach (var (page, bytes) in pending) pages[page] = bytes;
            pending.Clear();
            databasePages = commitSize;
            (_sum1, _sum2, _nextFrame) = (sum1, sum2, frame);
        }
        return new PageDelta(pageSize, pages, databasePages);
    }

    /// <summary>SQLite's WAL checksum (walChecksumBytes): two running 32-bit sums over 8-byte steps.</summary>
    private static (uint, uint) Checksum(bool bigEndian, ReadOnlySpan<byte> data, uint s1, uint s2)
    {
        for (var i = 0; i < data.Length; i += 8)
        {
            var x0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var x1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            s1 += x0 + s2;
            s2 += x1 + s1;
        }
        return (s1, s2);
    }
}

/// <summary>The incremental way (b), like sqlite3_rsync: read the whole database file, hash every page, keep the pages
/// whose hash differs from the last capture's. Its cost is reading and hashing the whole file, whatever changed.</summary>
internal sealed class PageHashDelta(string databaseFile)
{
    private ulong[] _hashes = [];

    public PageDelta Capture()
    {
        const int pageSize = 4096;
        using var stream = new FileStream(databaseFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        var pageCount = (int)(stream.Length / pageSize);
        var hashes = new ulong[pageCount];
        var pages = new SortedDictionary<uint, byte[]>();
        var buffer = new byte[pageSize * 256];
        for (var first = 0; first < pageCount; first += 256)
        {
            var count = Math.Min(256, pageCount - first);
            stream.ReadExactly(buffer, 0, count * pageSize);
            for (var i = 0; i < count; i++)
            {
                var page = buffer.AsSpan(i * pageSize, pageSize);
                var hash = XxHash3.HashToUInt64(page);
                hashes[first + i] = hash;
                if (first + i >= _hashes.Length || _hashes[first + i] != hash) pages[(uint)(first + i + 1)] = page.ToArray();
            }
        }
        _hashes = hashes;
        return new PageDelta(pageSize, pages, (uint)pageCount);
    }
}
