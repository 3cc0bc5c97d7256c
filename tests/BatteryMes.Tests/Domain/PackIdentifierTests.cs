using BatteryMes.Web.Domain;

namespace BatteryMes.Tests.Domain;

public class PackIdentifierTests
{
    [Theory]
    [InlineData("BP-2026-0001", "BP-2026-0001")]
    [InlineData("  BP-2026-0001\r\n", "BP-2026-0001")]
    [InlineData("\u0002BP-2026-0001\u0003", "BP-2026-0001")]
    [InlineData("http://192.168.1.20:8501/entry/BP-2026-0001", "BP-2026-0001")]
    [InlineData("https://mes.plant.local/entry/BP-2026-0001?src=label#top", "BP-2026-0001")]
    [InlineData("HTTP://mes/Entry/Test-006/", "Test-006")]
    [InlineData("CON-0001", "CON-0001")]
    [InlineData("COM10", "COM10")]
    public void A_scan_yields_the_pack_id_from_a_bare_id_or_a_label_url(string scanned, string expected)
    {
        var reading = PackIdentifier.ReadScan(scanned);

        Assert.True(reading.IsValid, reading.Error);
        Assert.Equal(expected, reading.PackId);
    }

    [Theory]
    [InlineData("", "Nothing was scanned")]
    [InlineData("BP 2026", "not a valid pack ID")]
    [InlineData("<script>", "not a valid pack ID")]
    [InlineData("-BP1", "not a valid pack ID")]
    [InlineData("http://host/reports/BP-1", "does not point to a pack")]
    [InlineData("ftp://host/entry/BP-1", "not a valid Battery MES label URL")]
    [InlineData("BP-0123456789012345678901234567890123456789", "limit is 40")]
    [InlineData("CON", "reserves it as a device name")]
    [InlineData("nul.1", "reserves it as a device name")]
    [InlineData("http://mes/entry/LPT1", "reserves it as a device name")]
    public void A_bad_scan_gets_a_message_that_says_what_is_allowed(string scanned, string expected)
    {
        var reading = PackIdentifier.ReadScan(scanned);

        Assert.False(reading.IsValid);
        Assert.Contains(expected, reading.Error);
    }
}
