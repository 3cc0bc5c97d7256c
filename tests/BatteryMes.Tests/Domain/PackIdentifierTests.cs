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
    [InlineData("HTTP://mes/Entry/Test-006/", "TEST-006")]
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

    /// <summary>Bidirectional overrides and isolates, marks, C0 and C1 controls, separators: each would make the message
    /// read differently (or break its line) if it were echoed as it is.</summary>
    public static TheoryData<char> HiddenCharacters => new()
    {
        '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069',
        '\u200E', '\u200F', '\u061C', '\u200B', '\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u009B', '\u2028', '\u2029',
    };

    [Theory]
    [MemberData(nameof(HiddenCharacters))]
    public void A_refused_id_is_quoted_with_its_hidden_characters_shown_escaped(char hidden)
    {
        var message = PackIdentifier.Validate($"BP-{hidden}1-ZZ");

        Assert.NotNull(message);
        Assert.Contains($"'BP-<U+{(int)hidden:X4}>1-ZZ' is not a valid pack ID", message);
        Assert.DoesNotContain(message, ch => ch == hidden);
    }

    [Fact]
    public void A_scanned_label_with_a_right_to_left_override_is_refused_without_reordering_the_message()
    {
        // Shown raw, U+202E would make the quoted ID read "BP-2026-0001" backwards and the rest of the line with it.
        var reading = PackIdentifier.ReadScan("http://mes/entry/%E2%80%AE1000-6202-PB");

        Assert.False(reading.IsValid);
        Assert.StartsWith("'<U+202E>1000-6202-PB' is not a valid pack ID.", reading.Error);
    }

    [Fact]
    public void An_echoed_text_is_cut_after_its_limit_and_a_broken_surrogate_shows_as_a_replacement()
    {
        Assert.Equal("abc...", EchoedInput.Display("abcdef", 3));
        Assert.Equal("abc", EchoedInput.Display("abc", 3));
        Assert.Equal("a\uFFFDb", EchoedInput.Display("a\uD800b", 10));
        Assert.Equal("Stück 😀", EchoedInput.Display("Stück 😀", 10));
    }
}
