using System.Text;
using BatteryMes.Web.Features.Reports;

namespace BatteryMes.Tests.Reports;

public class SpreadsheetTextTests
{
    [Theory]
    [InlineData("=1+1")]
    [InlineData("+Ravi")]
    [InlineData("-5 mV drift")]
    [InlineData("@SUM(A1)")]
    [InlineData("\tx")]
    [InlineData("\rx")]
    [InlineData("＝1+1")]          // full-width equals sign
    [InlineData("＋Ravi")]         // full-width plus
    [InlineData("－5")]            // full-width hyphen-minus
    [InlineData("＠SUM(A1)")]      // full-width commercial at
    [InlineData("﹦1+1")]          // small equals sign
    [InlineData("\u200B=1+1")]     // zero-width space before
    [InlineData("\uFEFF\u200D=1")] // byte-order mark and zero-width joiner before
    [InlineData("\u200E＝1")]      // left-to-right mark before a full-width sign
    public void Text_that_a_spreadsheet_could_run_as_a_formula_gets_a_leading_apostrophe(string typed)
    {
        Assert.Equal("'" + typed, SpreadsheetText.Neutralise(typed));
        Assert.True(SpreadsheetText.StartsLikeFormula(Encoding.UTF8.GetBytes(typed)));
    }

    [Theory]
    [InlineData("BP-2026-0001")]
    [InlineData("Module OK, 3.59 V")]
    [InlineData(" =1")]              // a space first: spreadsheets read it as text
    [InlineData("Ölfilter - 5")]
    [InlineData("\u200B")]           // nothing visible at all
    [InlineData("\u2212 5")]        // the minus sign is not the hyphen-minus a formula needs
    public void Plain_text_is_left_as_typed(string typed)
    {
        Assert.Equal(typed, SpreadsheetText.Neutralise(typed));
        Assert.False(SpreadsheetText.StartsLikeFormula(Encoding.UTF8.GetBytes(typed)));
    }

    [Fact]
    public void Empty_text_stays_empty() => Assert.Equal("", SpreadsheetText.Neutralise(null));
}
