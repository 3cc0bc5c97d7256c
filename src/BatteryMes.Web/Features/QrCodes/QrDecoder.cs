using SkiaSharp;
using ZXing;
using ZXing.Common;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>The outcome of reading a QR code from an image: the text, or a message a person can act on.</summary>
public sealed record QrDecodeResult(string? Text, string? Error)
{
    /// <summary>Every distinct code read, in reading order (<see cref="QrDecoder.DecodeAll"/>); just <see cref="Text"/> from <see cref="QrDecoder.Decode"/>.</summary>
    public IReadOnlyList<string> Texts { get; init; } = Text is null ? [] : [Text];
    public bool Succeeded => Text is not null;
    public static QrDecodeResult Read(string text) => new(text, null);
    public static QrDecodeResult ReadAll(IReadOnlyList<string> texts) => new(texts[0], null) { Texts = texts };
    public static QrDecodeResult Fail(string message) => new(null, message);
}

/// <summary>Reads a QR code from a phone photo or a camera frame (JPEG, PNG, WebP, ...): honours EXIF orientation,
/// works on rotated, tilted, compressed and small-in-frame labels, and refuses what is not an image or too large
/// before decoding it (a small file can declare a huge picture).</summary>
public sealed class QrDecoder
{
    /// <summary>Largest upload accepted (bytes). Phone photos are 2-8 MB.</summary>
    public const long MaxFileBytes = 20 * 1024 * 1024;

    /// <summary>Largest picture accepted (pixels): a 50 MP phone photo passes, a decompression bomb does not.</summary>
    public const long MaxPixels = 64_000_000;

    public const string NoCodeHint =
        "No QR code could be read in this photo. Hold the phone 15-30 cm from the label so that the code fills a good part of the picture, keep it sharp and avoid glare, or type the pack ID.";

    public const string IncompleteHint =
        "The photo file is incomplete (it ends early, as when a transfer is cut off) and no QR code could be read in the part that arrived. Upload the whole photo, take it again, or type the pack ID.";

    // Working sizes (long side, pixels) tried in turn: fast first, then finer, then enlarged for tiny codes.
    private static readonly int[] WorkingSizes = [1600, 2800, 900];

    /// <summary>Long side (pixels) a large picture is brought down to while it is decoded.</summary>
    private const int DecodeLongSide = 4000;

    /// <summary>Rows of a large PNG decoded at a time (bytes at 4 per pixel).</summary>
    private const long BandBytes = 32L * 1024 * 1024;

    /// <summary>Longest side accepted (pixels), as in JPEG: no camera makes a longer one, and it keeps a band of rows small.</summary>
    public const int MaxSide = 65535;

    private const uint OpaqueGrey = 0xFF808080; // BGRA 128, 128, 128, 255 read as a little-endian number

    /// <summary>Reads one code: the first found (camera frames, where the first good read opens the pack).</summary>
    public QrDecodeResult Decode(byte[] image) => Read(image, all: false);

    /// <summary>Reads every QR code in the picture (a photo of several labels side by side), so the person can choose
    /// rather than the app silently picking one. <see cref="QrDecodeResult.Texts"/> holds each distinct text once.</summary>
    public QrDecodeResult DecodeAll(byte[] image) => Read(image, all: true);

    private static QrDecodeResult Read(byte[] image, bool all)
    {
        if (image.Length == 0) return QrDecodeResult.Fail("The file is empty. Choose a photo of the label.");
        if (image.Length > MaxFileBytes) return QrDecodeResult.Fail(TooLarge(image.Length));

        using var data = SKData.CreateCopy(image);
        using var codec = SKCodec.Create(data);
        if (codec is null) return QrDecodeResult.Fail("This file is not an image that can be read. Upload a JPEG, PNG or WebP photo of the label.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0) return QrDecodeResult.Fail("The image has no pixels.");
        if ((long)width * height > MaxPixels)
            return QrDecodeResult.Fail($"The picture is {width} x {height} pixels ({(long)width * height / 1_000_000} megapixels); the limit is {MaxPixels / 1_000_000} megapixels. Take the photo at a lower resolution.");
        if (Math.Max(width, height) > MaxSide)
            return QrDecodeResult.Fail($"The picture is {width} x {height} pixels; a side may be at most {MaxSide} pixels. Take a photo of the label, or crop the picture to it.");

        using var full = DecodeUpright(codec, out var incomplete);
        if (full is null) return QrDecodeResult.Fail("The image could not be decoded; the file may be damaged. Take the photo again.");

        // A code that fills only a few pixels: at the end, enlarge the picture until each QR module has a few pixels.
        IEnumerable<int> sizes = Math.Max(full.Width, full.Height) < 1200 ? [.. WorkingSizes, Math.Max(full.Width, full.Height) * 3] : WorkingSizes;
        var texts = new List<string>();
        var extraLooks = 1;
        foreach (var size in sizes)
        {
            foreach (var text in TryRead(full, size, all))
                if (!texts.Contains(text, StringComparer.Ordinal)) texts.Add(text);
            if (texts.Count == 0) continue;
            // One more, finer look for further labels a coarser reading missed; one code is enough for Decode.
            if (!all || extraLooks-- == 0) break;
        }
        return texts.Count > 0 ? QrDecodeResult.ReadAll(texts) : QrDecodeResult.Fail(incomplete ? IncompleteHint : NoCodeHint);
    }

    public async Task<QrDecodeResult> DecodeAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes) return QrDecodeResult.Fail(TooLarge(buffer.Length + read));
            buffer.Write(chunk, 0, read);
        }
        return Decode(buffer.ToArray());
    }

    private static string TooLarge(long bytes) =>
        $"The file is {bytes / (1024.0 * 1024):0.0} MB; the limit is {MaxFileBytes / (1024 * 1024)} MB. Take the photo at a lower resolution or crop it to the label.";

    /// <summary>Decodes to BGRA, a large picture brought down towards <see cref="DecodeLongSide"/> on its long side while
    /// it is decoded, and turns it upright per EXIF. The readings (<see cref="WorkingSizes"/>) never look at more than
    /// 2800 pixels, so the smaller decode loses nothing, and a 60 MP PNG takes about 30 MB instead of 240 MB.</summary>
    internal static SKBitmap? DecodeUpright(SKCodec codec, out bool incomplete)
    {
        incomplete = false;
        var longSide = Math.Max(codec.Info.Width, codec.Info.Height);
        (SKBitmap? Bitmap, SKCodecResult Result) decoded = (null, SKCodecResult.Unimplemented);
        if (longSide > DecodeLongSide)
        {
            var dims = codec.GetScaledDimensions((float)DecodeLongSide / longSide);
            // JPEG (in eighths) and WebP shrink while decoding. PNG is read in bands of rows and shrunk by a whole
            // factor that keeps the long side at or above the finest working size, so no reading loses detail.
            var factor = longSide / WorkingSizes.Max();
            if (dims != codec.Info.Size) decoded = DecodeAt(codec, dims);
            else if (factor >= 2) decoded = DecodeShrunk(codec, factor);
        }
        if (!Usable(decoded.Result))
        {
            // A small picture, or a codec that can do neither (GIF): decode at full size (already bounded by MaxPixels).
            decoded.Bitmap?.Dispose();
            decoded = DecodeAt(codec, codec.Info.Size);
        }
        if (!Usable(decoded.Result))
        {
            decoded.Bitmap?.Dispose();
            return null;
        }
        // The codec fills what is missing from a cut-off file with grey: readable codes above the cut still count.
        incomplete = decoded.Result == SKCodecResult.IncompleteInput;
        return Orient(decoded.Bitmap!, codec.EncodedOrigin);
    }

    private static bool Usable(SKCodecResult result) => result is SKCodecResult.Success or SKCodecResult.IncompleteInput;

    private static (SKBitmap, SKCodecResult) DecodeAt(SKCodec codec, SKSizeI size)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        return (bitmap, codec.GetPixels(info, bitmap.GetPixels()));
    }

    /// <summary>For codecs that cannot shrink while decoding (PNG): decodes the picture in bands of rows (Skia's PNG codec
    /// decodes a band of a picture into a buffer of that band's size) and averages each <paramref name="factor"/> x
    /// <paramref name="factor"/> block into one pixel, a box filter that keeps thin QR modules as grey rather than
    /// dropping them. Only one band and the small result are held; each band inflates the file from its start again,
    /// which costs far less than the decoding itself.</summary>
    private static (SKBitmap?, SKCodecResult) DecodeShrunk(SKCodec codec, int factor)
    {
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        var full = new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul);
        // Whole blocks of rows per band; a side is at most MaxSide, so even one block row stays a few MB.
        var bandRows = Math.Min(height, (int)Math.Clamp(BandBytes / full.RowBytes / factor, 1, (height + factor - 1) / factor) * factor);
        using var band = new SKBitmap(new SKImageInfo(width, bandRows, SKColorType.Bgra8888, SKAlphaType.Premul));
        var (outWidth, outHeight) = ((width + factor - 1) / factor, (height + factor - 1) / factor);
        var shrunk = new SKBitmap(new SKImageInfo(outWidth, outHeight, SKColorType.Bgra8888, SKAlphaType.Premul));
        var sums = new long[outWidth * 4];
        var result = SKCodecResult.Success;
        for (var top = 0; top < height; top += bandRows)
        {
            var rows = Math.Min(bandRows, height - top);
            var decodedRows = 0;
            if (result == SKCodecResult.Success)
            {
                var started = codec.StartIncrementalDecode(full, band.GetPixels(), band.RowBytes, new SKCodecOptions(new SKRectI(0, top, width, top + rows)));
                if (started != SKCodecResult.Success)
                {
                    shrunk.Dispose();
                    return (null, started);
                }
                result = codec.IncrementalDecode(out decodedRows);
                if (result == SKCodecResult.Success) decodedRows = rows;
                else if (result != SKCodecResult.IncompleteInput) { shrunk.Dispose(); return (null, result); }
            }
            // A cut-off file: what did not arrive is grey, as the codec itself fills it when decoding whole.
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(band.GetPixelSpan()[(decodedRows * band.RowBytes)..(rows * band.RowBytes)]).Fill(OpaqueGrey);
            for (var first = 0; first < rows; first += factor)
                AverageBlockRow(band.GetPixelSpan().Slice(first * band.RowBytes), Math.Min(factor, rows - first), band.RowBytes, width, factor,
                    sums, shrunk.GetPixelSpan().Slice((top + first) / factor * shrunk.RowBytes, outWidth * 4));
        }
        return (shrunk, result);
    }

    /// <summary>Averages <paramref name="rows"/> rows of BGRA pixels in blocks <paramref name="factor"/> wide into one output row.</summary>
    private static void AverageBlockRow(ReadOnlySpan<byte> source, int rows, int rowBytes, int width, int factor, long[] sums, Span<byte> target)
    {
        Array.Clear(sums);
        for (var y = 0; y < rows; y++)
        {
            var row = source.Slice(y * rowBytes, width * 4);
            for (var (sum, start) = (0, 0); start < row.Length; sum += 4, start += factor * 4)
            {
                var (b, g, r, a) = (0, 0, 0, 0);
                for (var at = start; at < Math.Min(row.Length, start + factor * 4); at += 4)
                    (b, g, r, a) = (b + row[at], g + row[at + 1], r + row[at + 2], a + row[at + 3]);
                sums[sum] += b;
                sums[sum + 1] += g;
                sums[sum + 2] += r;
                sums[sum + 3] += a;
            }
        }
        for (var i = 0; i < sums.Length; i++)
        {
            var count = rows * (long)Math.Min(factor, width - i / 4 * factor);
            target[i] = (byte)((sums[i] + count / 2) / count);
        }
    }

    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft) return source;
        float w = source.Width, h = source.Height;
        // x' = ScaleX*x + SkewX*y + TransX; y' = SkewY*x + ScaleY*y + TransY (EXIF orientations 2-8).
        var (matrix, swap) = origin switch
        {
            SKEncodedOrigin.TopRight => (new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1), false),
            SKEncodedOrigin.BottomRight => (new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1), false),
            SKEncodedOrigin.BottomLeft => (new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1), false),
            SKEncodedOrigin.LeftTop => (new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1), true),
            SKEncodedOrigin.RightTop => (new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1), true),
            SKEncodedOrigin.RightBottom => (new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1), true),
            SKEncodedOrigin.LeftBottom => (new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1), true),
            _ => (SKMatrix.Identity, false),
        };
        var upright = new SKBitmap(new SKImageInfo(swap ? source.Height : source.Width, swap ? source.Width : source.Height, SKColorType.Bgra8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(upright))
        {
            canvas.SetMatrix(matrix);
            canvas.DrawBitmap(source, 0, 0);
        }
        source.Dispose();
        return upright;
    }

    private static IReadOnlyList<string> TryRead(SKBitmap bitmap, int longSide, bool all)
    {
        var current = Math.Max(bitmap.Width, bitmap.Height);
        SKBitmap? scaled = null;
        try
        {
            var target = bitmap;
            if (Math.Abs(current - longSide) > current / 10)
            {
                var factor = (double)longSide / current;
                var info = new SKImageInfo(Math.Max(1, (int)(bitmap.Width * factor)), Math.Max(1, (int)(bitmap.Height * factor)), SKColorType.Bgra8888, SKAlphaType.Premul);
                scaled = bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
                if (scaled is null) return [];
                target = scaled;
            }
            var source = new RGBLuminanceSource(target.Bytes, target.Width, target.Height, RGBLuminanceSource.BitmapFormat.BGRA32);
            var reader = new BarcodeReaderGeneric
            {
                AutoRotate = true,
                Options = new DecodingOptions { TryHarder = true, TryInverted = true, PossibleFormats = [BarcodeFormat.QR_CODE] },
            };
            if (!all) return reader.Decode(source)?.Text is { } text ? [text] : [];
            return reader.DecodeMultiple(source)?.Select(r => r.Text).Where(t => t is not null).ToList() ?? [];
        }
        finally
        {
            scaled?.Dispose();
        }
    }
}
