using System.Buffers.Binary;
using System.Text;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>Writes PNG files chunk by chunk, for pictures a drawing library will not make (a header declaring a huge
/// picture, a decompression bomb).</summary>
public static class PngChunks
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The IHDR data: size, bit depth, colour type 0 (grey), deflate, no filter method, no interlace.</summary>
    public static byte[] GreyHeader(int width, int height, byte bitDepth)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        return ihdr;
    }

    /// <summary>Length, type, data and the chunk's CRC-32 (ISO 3309) over type and data.</summary>
    public static void Write(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        png.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
