using System.Buffers.Binary;
using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Features.QrCodes;
using QRCoder;
using SkiaSharp;

namespace BatteryMes.Tests.QrCodes;

public class QrDecoderTests
{
    private const string LabelUrl = "http://192.168.10.20:8501/entry/BP-2026-0042";
    private readonly QrDecoder _decoder = new();

    [Fact]
    public void Reads_a_clean_label_image()
    {
        var result = _decoder.Decode(LabelPng(LabelUrl, pixelsPerModule: 8));

        Assert.Equal(LabelUrl, result.Text);
    }

    [Theory]
    [InlineData(17, 35)]
    [InlineData(-40, 25)]
    [InlineData(180, 50)]
    public void Reads_a_phone_like_photo_rotated_tilted_compressed_and_small_in_the_frame(float degrees, int jpegQuality)
    {
        var photo = PhonePhoto(LabelUrl, degrees, codeSide: 420, frameWidth: 3000, frameHeight: 2250, jpegQuality);

        var result = _decoder.Decode(photo);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(LabelUrl, result.Text);
    }

    [Fact]
    public void Honours_the_exif_orientation_of_a_portrait_photo()
    {
        var photo = WithExifOrientation(PhonePhoto("BP-2026-0007", 90, codeSide: 500, frameWidth: 2000, frameHeight: 1500, jpegQuality: 60), orientation: 6);

        var result = _decoder.Decode(photo);

        Assert.Equal("BP-2026-0007", result.Text);
    }

    [Fact]
    public void Reads_a_code_only_a_few_pixels_per_module_wide()
    {
        var photo = PhonePhoto("BP-9", 0, codeSide: 70, frameWidth: 640, frameHeight: 480, jpegQuality: 90);

        Assert.Equal("BP-9", _decoder.Decode(photo).Text);
    }

    [Fact]
    public void A_photo_without_a_code_gets_a_hint()
    {
        using var bitmap = new SKBitmap(800, 600);
        using (var canvas = new SKCanvas(bitmap)) canvas.Clear(new SKColor(120, 130, 140));
        var result = _decoder.Decode(Encode(bitmap, SKEncodedImageFormat.Jpeg, 80));

        Assert.False(result.Succeeded);
        Assert.Equal(QrDecoder.NoCodeHint, result.Error);
    }

    [Fact]
    public void A_cut_off_photo_without_a_readable_code_says_the_file_is_incomplete()
    {
        using var bitmap = new SKBitmap(800, 600);
        using (var canvas = new SKCanvas(bitmap)) canvas.Clear(new SKColor(120, 130, 140));
        var photo = Encode(bitmap, SKEncodedImageFormat.Jpeg, 80);

        var result = _decoder.Decode(photo[..(photo.Length * 2 / 5)]);

        Assert.False(result.Succeeded);
        Assert.Equal(QrDecoder.IncompleteHint, result.Error);
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_refused_with_a_message()
    {
        var result = _decoder.Decode(Encoding.UTF8.GetBytes("%PDF-1.4 this is not a photo"));

        Assert.False(result.Succeeded);
        Assert.Contains("not an image", result.Error);
    }

    [Fact]
    public void An_empty_or_oversized_file_is_refused_with_a_message()
    {
        Assert.Contains("empty", _decoder.Decode([]).Error);
        Assert.Contains("limit is 20 MB", _decoder.Decode(new byte[QrDecoder.MaxFileBytes + 1]).Error);
    }

    [Fact]
    public void A_small_file_declaring_a_huge_picture_is_refused_before_decoding()
    {
        var bomb = PngHeaderOnly(width: 30000, height: 30000);

        var result = _decoder.Decode(bomb);

        Assert.False(result.Succeeded);
        Assert.Contains("30000 x 30000", result.Error);
        Assert.Contains("megapixels", result.Error);
    }

    [Fact]
    public void A_60_megapixel_png_is_decoded_shrunk_and_its_small_code_is_read()
    {
        // 9000 x 6667 at full size would hold 240 MB of pixels; the readings never look at more than 2800 pixels a side.
        using var codec = SKCodec.Create(SKData.CreateCopy(LargePng.Value));
        using var decoded = QrDecoder.DecodeUpright(codec, out var incomplete);

        Assert.NotNull(decoded);
        Assert.False(incomplete);
        Assert.Equal((3000, 2223), (decoded.Width, decoded.Height));
        Assert.Equal(LabelUrl, _decoder.Decode(LargePng.Value).Text);
    }

    [Fact]
    public void A_cut_off_large_png_still_gives_the_code_above_the_cut_and_grey_below_it()
    {
        var png = LargePng.Value;
        var cut = png[..(png.Length * 3 / 5)];

        using var codec = SKCodec.Create(SKData.CreateCopy(cut));
        using var decoded = QrDecoder.DecodeUpright(codec, out var incomplete);

        Assert.True(incomplete);
        Assert.Equal(new SKColor(128, 128, 128), decoded!.GetPixel(decoded.Width / 2, decoded.Height - 1));
        Assert.Equal(LabelUrl, _decoder.Decode(cut).Text);
    }

    [Fact]
    public void A_picture_longer_than_any_camera_makes_is_refused_before_decoding()
    {
        var result = _decoder.Decode(PngHeaderOnly(width: 70000, height: 100));

        Assert.False(result.Succeeded);
        Assert.Contains("70000 x 100 pixels; a side may be at most 65535 pixels", result.Error);
    }

    /// <summary>A 60 MP grey PNG (a few hundred KB: a flat scene) with a 450-pixel label near the top.</summary>
    private static readonly Lazy<byte[]> LargePng = new(() =>
    {
        using var label = SKBitmap.Decode(LabelPng(LabelUrl, 10));
        using var photo = new SKBitmap(new SKImageInfo(9000, 6667, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(photo))
        {
            canvas.Clear(new SKColor(100, 100, 100));
            using var white = new SKPaint { Color = SKColors.White };
            canvas.DrawRect(5000, 700, 700, 700, white);
            using var image = SKImage.FromBitmap(label);
            canvas.DrawImage(image, new SKRect(5125, 825, 5575, 1275), new SKSamplingOptions(SKFilterMode.Linear));
        }
        return Encode(photo, SKEncodedImageFormat.Png, 100);
    });

    internal static byte[] LabelPng(string payload, int pixelsPerModule)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.H);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }

    /// <summary>A label on a cluttered background, rotated, slightly tilted (perspective), with sensor noise, as JPEG.</summary>
    internal static byte[] PhonePhoto(string payload, float degrees, int codeSide, int frameWidth, int frameHeight, int jpegQuality)
    {
        using var label = SKBitmap.Decode(LabelPng(payload, 10));
        using var photo = new SKBitmap(frameWidth, frameHeight);
        using (var canvas = new SKCanvas(photo))
        {
            canvas.Clear(new SKColor(96, 104, 98));
            var random = new Random(42);
            using var paint = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 60; i++)
            {
                paint.Color = new SKColor((byte)random.Next(40, 200), (byte)random.Next(40, 200), (byte)random.Next(40, 200));
                canvas.DrawRect(random.Next(frameWidth), random.Next(frameHeight), random.Next(20, 300), random.Next(20, 200), paint);
            }
            canvas.Translate(frameWidth * 0.55f, frameHeight * 0.45f);
            canvas.RotateDegrees(degrees);
            var tilt = SKMatrix.CreateIdentity();
            tilt.Persp0 = 0.00012f; // a little perspective, as from a hand-held phone
            canvas.Concat(in tilt);
            using var labelPaint = new SKPaint { IsAntialias = true };
            canvas.DrawRect(-codeSide * 0.6f, -codeSide * 0.6f, codeSide * 1.2f, codeSide * 1.3f, new SKPaint { Color = SKColors.White });
            using var image = SKImage.FromBitmap(label);
            canvas.DrawImage(image, new SKRect(-codeSide / 2f, -codeSide / 2f, codeSide / 2f, codeSide / 2f), new SKSamplingOptions(SKFilterMode.Linear), labelPaint);
        }
        var noise = new Random(7);
        for (var i = 0; i < frameWidth * frameHeight / 50; i++)
        {
            var x = noise.Next(frameWidth); var y = noise.Next(frameHeight);
            var c = photo.GetPixel(x, y);
            var d = noise.Next(-40, 40);
            photo.SetPixel(x, y, new SKColor(Clamp(c.Red + d), Clamp(c.Green + d), Clamp(c.Blue + d)));
        }
        return Encode(photo, SKEncodedImageFormat.Jpeg, jpegQuality);
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment with the given orientation after the JPEG's SOI marker.
    /// The pixels are first turned so that a viewer honouring the tag shows them upright.</summary>
    internal static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        // Orientation 6 means "rotate 90 clockwise to display": store the picture turned 90 counter-clockwise.
        using var upright = SKBitmap.Decode(jpeg);
        using var stored = new SKBitmap(upright.Height, upright.Width);
        using (var canvas = new SKCanvas(stored))
        {
            canvas.Translate(0, stored.Height);
            canvas.RotateDegrees(-90);
            canvas.DrawBitmap(upright, 0, 0);
        }
        var body = Encode(stored, SKEncodedImageFormat.Jpeg, 85);
        var tiff = new byte[26];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);     // first IFD offset
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1);     // one entry
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3);    // SHORT
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);    // count
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), orientation);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(22), 0);    // no next IFD
        var exif = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var segment = new byte[4 + exif.Length];
        segment[0] = 0xFF; segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(exif.Length + 2));
        exif.CopyTo(segment, 4);
        return body.Take(2).Concat(segment).Concat(body.Skip(2)).ToArray();
    }

    /// <summary>A PNG whose header declares a huge picture (the classic decompression bomb shape).</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write(PngChunks.Signature);
        PngChunks.Write(png, "IHDR", PngChunks.GreyHeader(width, height, bitDepth: 8));
        PngChunks.Write(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        PngChunks.Write(png, "IEND", []);
        return png.ToArray();
    }
}
