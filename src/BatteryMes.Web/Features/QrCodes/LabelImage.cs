using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using QRCoder;
using SkiaSharp;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>Draws one pack label: the QR code (error correction H, 4-module quiet zone kept) with the pack ID and
/// an optional second line printed under it, as a PNG.</summary>
public static class LabelImage
{
    /// <summary>Below this many pixels per QR module scanners and ZXing start to miss codes (see STACK_NOTES).</summary>
    public const int MinPixelsPerModule = 3;

    /// <summary>The shipped font. A bare Linux VM may have no fonts at all, and SkiaSharp's NoDependencies build
    /// does not ask fontconfig, so the default typeface could draw nothing; DejaVu Sans Mono Bold (free licence,
    /// Fonts/DejaVu-LICENSE.txt) is embedded so the ID under the code always prints, with 0 and O distinct.</summary>
    public static readonly SKTypeface Typeface = LoadTypeface();

    private static SKTypeface LoadTypeface()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("BatteryMes.Web.Features.QrCodes.Fonts.DejaVuSansMono-Bold.ttf")
            ?? throw new InvalidOperationException("The label font (DejaVuSansMono-Bold.ttf) is missing from the build.");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException("The label font (DejaVuSansMono-Bold.ttf) cannot be read.");
    }

    /// <summary>Number of modules (quiet zone included) of the code for this payload.</summary>
    public static int ModuleCount(string payload)
    {
        using var data = QRCodeGenerator.GenerateQrCode(payload, QRCodeGenerator.ECCLevel.H);
        return data.ModuleMatrix.Count;
    }

    /// <summary>The label as PNG bytes, <paramref name="widthPixels"/> wide; the code is a square of that width and
    /// the text block sits below it.</summary>
    /// <remarks>A 1,000-label batch must take seconds, so the label is drawn straight into one grey-scale pixel buffer
    /// (rented, not allocated per label): the modules are filled row by row, only the text goes through SkiaSharp
    /// (into an 8-bit coverage mask of the text block), and the PNG is encoded with the "Up" row filter at zlib level
    /// 1: the code's rows repeat module after module, so "Up" turns them into zeros that compress almost for free.
    /// Drawing on an RGBA surface with one rectangle per run, then a grey copy and unfiltered zlib 6, spends most of
    /// its time in the PNG encoder (see `bench labels`, which compares the two). The pixels are the same either way:
    /// black modules on white, the same sizes, anti-aliased text.</remarks>
    public static LabelPng RenderPng(string payload, string packId, string? secondLine, int widthPixels)
    {
        using var data = QRCodeGenerator.GenerateQrCode(payload, QRCodeGenerator.ECCLevel.H);
        var matrix = data.ModuleMatrix;
        var modules = matrix.Count;
        var pixelsPerModule = widthPixels / modules;
        if (pixelsPerModule < MinPixelsPerModule)
            throw new ArgumentOutOfRangeException(nameof(widthPixels), $"{widthPixels} px gives {pixelsPerModule} px per module; at least {MinPixelsPerModule} are needed.");
        // Whole pixels per module keep edges sharp; the remainder becomes extra white margin around the quiet zone.
        var offset = (widthPixels - pixelsPerModule * modules) / 2;

        var idSize = Math.Max(10f, widthPixels * 0.085f);
        var secondSize = idSize * 0.8f;
        using var idFont = new SKFont(Typeface, idSize) { Edging = SKFontEdging.Antialias };
        using var secondFont = new SKFont(Typeface, secondSize) { Edging = SKFontEdging.Antialias };
        FitWidth(idFont, packId, widthPixels * 0.94f);
        if (!string.IsNullOrEmpty(secondLine)) FitWidth(secondFont, secondLine, widthPixels * 0.94f);

        // The text starts inside the bottom quiet zone (half of it), which keeps the label compact while a full
        // two-module clearance still separates text from code.
        var textTop = offset + (modules - 2) * pixelsPerModule;
        var idLine = idFont.Spacing;
        var secondLineHeight = string.IsNullOrEmpty(secondLine) ? 0 : secondFont.Spacing;
        var height = (int)Math.Ceiling(textTop + idLine + secondLineHeight + idSize * 0.4f);

        var size = widthPixels * height;
        var pixels = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var image = pixels.AsSpan(0, size);
            image.Fill(White);
            DrawModules(image, matrix, widthPixels, offset, pixelsPerModule);
            DrawText(image, widthPixels, height, textTop, packId, idFont, secondLine, secondFont, idLine);
            return new LabelPng(EncodePng(pixels, widthPixels, height), widthPixels, height);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }

    private const byte White = 255, Black = 0;

    private static void DrawModules(Span<byte> image, List<System.Collections.BitArray> matrix, int width, int offset, int pixelsPerModule)
    {
        var modules = matrix.Count;
        for (var y = 0; y < modules; y++)
        {
            var row = matrix[y];
            var top = offset + y * pixelsPerModule;
            var first = image.Slice(top * width, width);
            for (var x = 0; x < modules; x++)
            {
                if (!row[x]) continue;
                var run = x;
                while (run + 1 < modules && row[run + 1]) run++;
                first.Slice(offset + x * pixelsPerModule, (run - x + 1) * pixelsPerModule).Fill(Black);
                x = run;
            }
            // A module is pixelsPerModule rows tall: the other rows are copies of the first.
            for (var r = 1; r < pixelsPerModule; r++) first.CopyTo(image.Slice((top + r) * width, width));
        }
    }

    /// <summary>Draws the ID (and the second line) centred below the code: SkiaSharp renders the glyphs' coverage
    /// into an alpha mask of the text block, which darkens the white label (255 - coverage: black text, smooth edges).</summary>
    private static void DrawText(Span<byte> image, int width, int height, int textTop, string packId, SKFont idFont,
        string? secondLine, SKFont secondFont, float idLine)
    {
        var blockHeight = height - textTop;
        using var mask = new SKBitmap(new SKImageInfo(width, blockHeight, SKColorType.Alpha8, SKAlphaType.Premul));
        mask.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(mask))
        using (var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            canvas.DrawText(packId, width / 2f, -idFont.Metrics.Ascent, SKTextAlign.Center, idFont, ink);
            if (!string.IsNullOrEmpty(secondLine))
                canvas.DrawText(secondLine, width / 2f, idLine - secondFont.Metrics.Ascent, SKTextAlign.Center, secondFont, ink);
        }
        var coverage = mask.GetPixelSpan();
        var rowBytes = mask.RowBytes;
        for (var y = 0; y < blockHeight; y++)
        {
            var source = coverage.Slice(y * rowBytes, width);
            var target = image.Slice((textTop + y) * width, width);
            for (var x = 0; x < width; x++)
                if (source[x] != 0) target[x] = (byte)Math.Min(target[x], White - source[x]);
        }
    }

    private static byte[] EncodePng(byte[] pixels, int width, int height)
    {
        var pinned = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque), pinned.AddrOfPinnedObject(), width);
            using var png = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Up, 1))
                ?? throw new InvalidOperationException("The label could not be encoded as PNG.");
            return png.ToArray();
        }
        finally
        {
            pinned.Free();
        }
    }

    private static void FitWidth(SKFont font, string text, float maxWidth)
    {
        var width = font.MeasureText(text);
        if (width > maxWidth) font.Size *= maxWidth / width;
    }
}

public sealed record LabelPng(byte[] Bytes, int WidthPixels, int HeightPixels);
