using System.Reflection;
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

        var info = new SKImageInfo(widthPixels, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var black = new SKPaint { Color = SKColors.Black, IsAntialias = false, Style = SKPaintStyle.Fill };
        for (var y = 0; y < modules; y++)
        {
            var row = matrix[y];
            for (var x = 0; x < modules; x++)
            {
                if (!row[x]) continue;
                // Runs of dark modules in one rectangle: fewer draw calls for a 1,000-label batch.
                var run = x;
                while (run + 1 < modules && row[run + 1]) run++;
                canvas.DrawRect(offset + x * pixelsPerModule, offset + y * pixelsPerModule, (run - x + 1) * pixelsPerModule, pixelsPerModule, black);
                x = run;
            }
        }

        using var textPaint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(packId, widthPixels / 2f, textTop - idFont.Metrics.Ascent, SKTextAlign.Center, idFont, textPaint);
        if (!string.IsNullOrEmpty(secondLine))
            canvas.DrawText(secondLine, widthPixels / 2f, textTop + idLine - secondFont.Metrics.Ascent, SKTextAlign.Center, secondFont, textPaint);

        // A grey-scale PNG without row filters encodes several times faster than RGBA with the default options and
        // is smaller: the label is black on white, so nothing is lost (1,000 labels per batch, see the benchmark).
        using var gray = new SKBitmap(new SKImageInfo(widthPixels, height, SKColorType.Gray8, SKAlphaType.Opaque));
        if (!surface.ReadPixels(gray.Info, gray.GetPixels(), gray.RowBytes, 0, 0))
            throw new InvalidOperationException("The label could not be converted to grey scale.");
        using var pixels = gray.PeekPixels();
        using var png = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.NoFilters, 6));
        return new LabelPng(png.ToArray(), widthPixels, height);
    }

    private static void FitWidth(SKFont font, string text, float maxWidth)
    {
        var width = font.MeasureText(text);
        if (width > maxWidth) font.Size *= maxWidth / width;
    }
}

public sealed record LabelPng(byte[] Bytes, int WidthPixels, int HeightPixels);
