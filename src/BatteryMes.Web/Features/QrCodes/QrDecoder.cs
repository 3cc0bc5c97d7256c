using SkiaSharp;
using ZXing;
using ZXing.Common;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>The outcome of reading a QR code from an image: the text, or a message a person can act on.</summary>
public sealed record QrDecodeResult(string? Text, string? Error)
{
    public bool Succeeded => Text is not null;
    public static QrDecodeResult Read(string text) => new(text, null);
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

    public QrDecodeResult Decode(byte[] image)
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

        using var full = DecodeUpright(codec, out var incomplete);
        if (full is null) return QrDecodeResult.Fail("The image could not be decoded; the file may be damaged. Take the photo again.");

        foreach (var size in WorkingSizes)
        {
            var text = TryRead(full, size);
            if (text is not null) return QrDecodeResult.Read(text);
        }
        // A code that fills only a few pixels: enlarge the picture until each QR module has a few pixels.
        if (Math.Max(full.Width, full.Height) < 1200)
        {
            var text = TryRead(full, Math.Max(full.Width, full.Height) * 3);
            if (text is not null) return QrDecodeResult.Read(text);
        }
        return QrDecodeResult.Fail(incomplete ? IncompleteHint : NoCodeHint);
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

    /// <summary>Decodes to BGRA (JPEGs down-sampled by the codec when very large) and turns it upright per EXIF.</summary>
    private static SKBitmap? DecodeUpright(SKCodec codec, out bool incomplete)
    {
        incomplete = false;
        var scale = 1f;
        var longSide = Math.Max(codec.Info.Width, codec.Info.Height);
        if (longSide > 4000) scale = 4000f / longSide;
        var dims = scale < 1f ? codec.GetScaledDimensions(scale) : codec.Info.Size;
        var info = new SKImageInfo(dims.Width, dims.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            // The codec cannot scale this format at decode: decode at full size (already bounded by MaxPixels).
            bitmap.Dispose();
            info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
            bitmap = new SKBitmap(info);
            result = codec.GetPixels(info, bitmap.GetPixels());
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            {
                bitmap.Dispose();
                return null;
            }
        }
        // The codec fills what is missing from a cut-off file with grey: readable codes above the cut still count.
        incomplete = result == SKCodecResult.IncompleteInput;
        return Orient(bitmap, codec.EncodedOrigin);
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

    private static string? TryRead(SKBitmap bitmap, int longSide)
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
                if (scaled is null) return null;
                target = scaled;
            }
            var source = new RGBLuminanceSource(target.Bytes, target.Width, target.Height, RGBLuminanceSource.BitmapFormat.BGRA32);
            var reader = new BarcodeReaderGeneric
            {
                AutoRotate = true,
                Options = new DecodingOptions { TryHarder = true, TryInverted = true, PossibleFormats = [BarcodeFormat.QR_CODE] },
            };
            return reader.Decode(source)?.Text;
        }
        finally
        {
            scaled?.Dispose();
        }
    }
}
