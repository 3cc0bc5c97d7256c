using System.Text;
using QRCoder;
using SkiaSharp;

namespace BatteryMes.EndToEnd.DataEntry;

/// <summary>Pictures of pack labels for the browser tests: a phone-like photo and a camera video (Y4M) for Chromium's fake camera.</summary>
internal static class LabelPictures
{
    /// <summary>A label QR code rotated, on a grey background, JPEG-compressed: what a phone photo of a label looks like.</summary>
    public static byte[] PhonePhoto(string payload, float degrees = 23, int jpegQuality = 45)
    {
        using var frame = Frame(payload, 1600, 1200, codeSide: 420, degrees);
        return Encode(frame, SKEncodedImageFormat.Jpeg, jpegQuality);
    }

    /// <summary>A photo with no code in it.</summary>
    public static byte[] PhotoWithoutCode()
    {
        using var bitmap = new SKBitmap(800, 600);
        using (var canvas = new SKCanvas(bitmap)) canvas.Clear(new SKColor(120, 130, 140));
        return Encode(bitmap, SKEncodedImageFormat.Jpeg, 80);
    }

    /// <summary>Writes a Y4M video (YUV 4:2:0, full range) showing the label, for --use-file-for-fake-video-capture.
    /// Y4M is a one-line text header and then raw frames, each after a "FRAME" line.</summary>
    public static void WriteCameraVideo(string path, string payload, int frames = 10)
    {
        const int width = 640, height = 480;
        using var picture = Frame(payload, width, height, codeSide: 300, degrees: 8);
        var y = new byte[width * height];
        for (var row = 0; row < height; row++)
        for (var col = 0; col < width; col++)
        {
            var c = picture.GetPixel(col, row);
            y[row * width + col] = (byte)Math.Clamp((int)Math.Round(0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue), 0, 255);
        }
        var chroma = new byte[width / 2 * (height / 2)];
        Array.Fill(chroma, (byte)128);
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n"));
        for (var i = 0; i < frames; i++)
        {
            file.Write("FRAME\n"u8);
            file.Write(y);
            file.Write(chroma);
            file.Write(chroma);
        }
    }

    private static SKBitmap Frame(string payload, int width, int height, int codeSide, float degrees)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        using var label = SKBitmap.Decode(new PngByteQRCode(data).GetGraphic(10));
        var frame = new SKBitmap(width, height);
        using var canvas = new SKCanvas(frame);
        canvas.Clear(new SKColor(150, 145, 140));
        canvas.Translate(width / 2f, height / 2f);
        canvas.RotateDegrees(degrees);
        using var white = new SKPaint { Color = SKColors.White };
        var margin = codeSide * 0.12f;
        canvas.DrawRect(-codeSide / 2f - margin, -codeSide / 2f - margin, codeSide + 2 * margin, codeSide + 2 * margin, white);
        canvas.DrawBitmap(label, new SKRect(-codeSide / 2f, -codeSide / 2f, codeSide / 2f, codeSide / 2f));
        return frame;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(format, quality);
        return encoded.ToArray();
    }
}
