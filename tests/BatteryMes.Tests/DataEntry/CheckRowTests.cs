using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;

namespace BatteryMes.Tests.DataEntry;

/// <summary>The stage form's row: judged as typed, and only what the user changed counts as a change.</summary>
public class CheckRowTests
{
    private static readonly QcCheck Voltage = new("1.1.1", "1.1 Sort cells", "Cell voltage", "3.58 V to 3.60 V", new MeasurementLimits(3.58, 3.60, "V"));

    [Theory]
    [InlineData("3.59", QcResult.Ok)]
    [InlineData("3,60", QcResult.Ok)]
    [InlineData(" 3.70 ", QcResult.NotOk)]
    [InlineData("3.5", QcResult.NotOk)]
    public void A_typed_value_is_judged_against_the_limits_and_sets_the_result(string typed, QcResult expected)
    {
        var row = new CheckRow(Voltage, new CheckEntry("1.1.1", QcResult.Empty, QcResult.Empty));

        row.SetMeasuredText(Module.X, typed);

        Assert.Equal(expected, row.Judgement(Module.X));
        Assert.Equal(expected, row.X);
        Assert.Equal(QcResult.Empty, row.Y);
        Assert.True(row.IsChanged);
    }

    [Fact]
    public void Text_that_is_not_a_number_is_flagged_and_leaves_the_result_alone()
    {
        var row = new CheckRow(Voltage, new CheckEntry("1.1.1", QcResult.Ok, QcResult.Empty, 3.59));

        row.SetMeasuredText(Module.X, "3.5.9");

        Assert.Equal(QcResult.Empty, row.Judgement(Module.X));
        Assert.Null(row.Measured(Module.X));
        Assert.Equal(QcResult.Ok, row.X);
    }

    [Fact]
    public void A_loaded_row_is_unchanged_until_the_user_changes_it()
    {
        var row = new CheckRow(Voltage, new CheckEntry("1.1.1", QcResult.Ok, QcResult.NotApplicable, 3.59));

        Assert.False(row.IsChanged);
        Assert.Equal("3.59", row.MeasuredText(Module.X));
        row.Set(Module.Y, QcResult.Ok);
        Assert.True(row.IsChanged);
        Assert.False(row.MeasuredChanged(Module.X));
    }
}
