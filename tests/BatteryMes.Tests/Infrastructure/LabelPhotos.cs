using QRCoder;
using SkiaSharp;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>Phone-like photos of pack labels for decoder and browser tests.</summary>
public static class LabelPhotos
{
    /// <summary>Several labels side by side on a grey bench, each slightly turned, JPEG-compressed: a photo of a tray of packs.</summary>
    public static byte[] SideBySide(params string[] payloads)
    {
        const int codeSide = 360, gap = 140, height = 900;
        var width = payloads.Length * (codeSide + gap) + gap;
        using var frame = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(frame))
        {
            canvas.Clear(new SKColor(150, 145, 140));
            using var white = new SKPaint { Color = SKColors.White };
            for (var i = 0; i < payloads.Length; i++)
            {
                using var generator = new QRCodeGenerator();
                using var data = generator.CreateQrCode(payloads[i], QRCodeGenerator.ECCLevel.M);
                using var label = SKBitmap.Decode(new PngByteQRCode(data).GetGraphic(10));
                canvas.Save();
                canvas.Translate(gap + i * (codeSide + gap) + codeSide / 2f, height / 2f);
                canvas.RotateDegrees(i % 2 == 0 ? 7 : -9);
                var margin = codeSide * 0.12f;
                canvas.DrawRect(-codeSide / 2f - margin, -codeSide / 2f - margin, codeSide + 2 * margin, codeSide + 2 * margin, white);
                canvas.DrawBitmap(label, new SKRect(-codeSide / 2f, -codeSide / 2f, codeSide / 2f, codeSide / 2f));
                canvas.Restore();
            }
        }
        using var image = SKImage.FromBitmap(frame);
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, 70);
        return encoded.ToArray();
    }
}
