using BatteryMes.Web.Features.QrCodes;
using QRCoder;
using SkiaSharp;

namespace BatteryMes.Benchmarks.Reporting;

/// <summary>A straightforward label renderer (RGBA surface, rectangles per run of modules, grey copy, PNG without
/// filters at zlib level 6), the baseline that `bench labels` measures <see cref="LabelImage"/> against in one process.</summary>
public static class LegacyLabelImage
{
    private const int MinPixelsPerModule = LabelImage.MinPixelsPerModule;
    private static readonly SKTypeface Typeface = LabelImage.Typeface;

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
        using var png = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.NoFilters, 6))
            ?? throw new InvalidOperationException("The label could not be encoded as PNG.");
        return new LabelPng(png.ToArray(), widthPixels, height);
    }

    private static void FitWidth(SKFont font, string text, float maxWidth)
    {
        var width = font.MeasureText(text);
        if (width > maxWidth) font.Size *= maxWidth / width;
    }
}

