using System.IO.Compression;
using BatteryMes.Tests.Infrastructure;
using QRCoder;
using SkiaSharp;

namespace BatteryMes.EndToEnd.Faults;

/// <summary>Uploads that are not what a label photo should be, made in the test (nothing is checked in).</summary>
internal static class HostilePictures
{
    /// <summary>A JPEG of <paramref name="width"/> x <paramref name="height"/> grey pixels with the label's QR code
    /// in the middle, <paramref name="codeSide"/> pixels wide. Drawn straight into grey-scale bytes: 50 megapixels
    /// take 50 MB here, and the JPEG of a plain picture is small.</summary>
    public static byte[] LargeLabelPhoto(string payload, int width, int height, int codeSide)
    {
        using var generator = new QRCodeGenerator();
        using var code = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        var modules = code.ModuleMatrix;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        pixels.Fill(170);
        var cell = codeSide / modules.Count;
        var (left, top) = ((width - cell * modules.Count) / 2, (height - cell * modules.Count) / 2);
        for (var row = 0; row < modules.Count * cell; row++)
        for (var col = 0; col < modules.Count * cell; col++)
            pixels[(top + row) * bitmap.RowBytes + left + col] = modules[row / cell][col / cell] ? (byte)0 : (byte)255;
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, 80);
        return encoded.ToArray();
    }

    /// <summary>A complete, valid PNG of one colour, 1 bit per pixel: 30000 x 30000 (900 megapixels) is about 110 KB
    /// on disk and 3.6 GB once decoded to colour pixels. Written chunk by chunk so the test never holds the picture.</summary>
    public static byte[] DecompressionBomb(int width, int height)
    {
        var rowBytes = (width + 7) / 8;
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + rowBytes]; // filter type 0 and all bits 0: black
            for (var y = 0; y < height; y++) zlib.Write(row);
        }
        using var png = new MemoryStream();
        png.Write(PngChunks.Signature);
        PngChunks.Write(png, "IHDR", PngChunks.GreyHeader(width, height, bitDepth: 1));
        PngChunks.Write(png, "IDAT", idat.ToArray());
        PngChunks.Write(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The first part of a real JPEG: what a photo cut off in transfer looks like.</summary>
    public static byte[] Truncated(byte[] jpeg, double keep = 0.4) => jpeg[..(int)(jpeg.Length * keep)];
}
