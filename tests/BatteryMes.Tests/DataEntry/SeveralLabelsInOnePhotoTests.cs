using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Features.QrCodes;

namespace BatteryMes.Tests.DataEntry;

public class SeveralLabelsInOnePhotoTests
{
    private readonly QrDecoder _decoder = new();

    [Fact]
    public void Reading_every_code_finds_both_labels_of_a_two_label_photo_once_each()
    {
        var photo = LabelPhotos.SideBySide("http://plant.local/entry/BP-MULTI-0001", "BP-MULTI-0002");

        var result = _decoder.DecodeAll(photo);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["BP-MULTI-0002", "http://plant.local/entry/BP-MULTI-0001"], result.Texts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Reading_every_code_of_a_one_label_photo_gives_that_one_code()
    {
        var result = _decoder.DecodeAll(LabelPhotos.SideBySide("BP-MULTI-0003"));

        Assert.Equal(["BP-MULTI-0003"], result.Texts);
        Assert.Equal("BP-MULTI-0003", result.Text);
    }

    [Fact]
    public void Two_labels_with_the_same_code_count_as_one()
    {
        var result = _decoder.DecodeAll(LabelPhotos.SideBySide("BP-MULTI-0004", "BP-MULTI-0004"));

        Assert.Equal(["BP-MULTI-0004"], result.Texts);
    }

    [Fact]
    public void Reading_every_code_of_a_photo_without_a_code_says_what_to_do()
    {
        var result = _decoder.DecodeAll(LabelPhotos.SideBySide());

        Assert.False(result.Succeeded);
        Assert.Empty(result.Texts);
        Assert.Equal(QrDecoder.NoCodeHint, result.Error);
    }
}
