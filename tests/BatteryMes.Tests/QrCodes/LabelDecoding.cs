using System.IO.Compression;
using BatteryMes.Web.Features.QrCodes;
using SkiaSharp;

namespace BatteryMes.Tests.QrCodes;

/// <summary>Reads label PNGs back with ZXing.Net (through the app's QrDecoder), as a scanner would.</summary>
public static class LabelDecoding
{
    /// <summary>The app's own decoder (the one Data Entry uses for photos), so the labels are proven against it.</summary>
    public static string? Decode(byte[] png) => new QrDecoder().Decode(png).Text;

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
