using System.IO.Compression;
using SkiaSharp;
using ZXing;
using ZXing.Common;

namespace BatteryMes.Tests.QrCodes;

/// <summary>Reads label PNGs back with ZXing.Net (pixels loaded by SkiaSharp), as a scanner would.</summary>
public static class LabelDecoding
{
    public static string? Decode(byte[] png)
    {
        using var decoded = SKBitmap.Decode(png) ?? throw new InvalidOperationException("Not an image.");
        using var bitmap = decoded.Copy(SKColorType.Bgra8888);
        var source = new RGBLuminanceSource(bitmap.Bytes, bitmap.Width, bitmap.Height, RGBLuminanceSource.BitmapFormat.BGRA32);
        var reader = new BarcodeReaderGeneric
        {
            AutoRotate = true,
            Options = new DecodingOptions { TryHarder = true, PossibleFormats = [BarcodeFormat.QR_CODE] },
        };
        return reader.Decode(source)?.Text;
    }

    /// <summary>Every PNG in a ZIP: file name to bytes.</summary>
    public static Dictionary<string, byte[]> PngsIn(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.Where(e => e.Name.EndsWith(".png", StringComparison.Ordinal)).ToDictionary(e => e.Name, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    public static IReadOnlyList<string> EntryNames(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return [.. archive.Entries.Select(e => e.FullName)];
    }

    /// <summary>Share of dark pixels in the rows from <paramref name="fromRow"/> down: proves text was drawn there.</summary>
    public static double DarkShareBelow(byte[] png, int fromRow)
    {
        using var bitmap = SKBitmap.Decode(png);
        var dark = 0; var total = 0;
        for (var y = fromRow; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++, total++)
                if (bitmap.GetPixel(x, y).Red < 128) dark++;
        return total == 0 ? 0 : (double)dark / total;
    }
}
