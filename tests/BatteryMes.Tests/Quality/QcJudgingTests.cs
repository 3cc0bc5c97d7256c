using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Reports;

namespace BatteryMes.Tests.Quality;

/// <summary>The limits decide; a result that contradicts the measured value is a deviation; a check that requires a
/// value cannot be OK or NOT OK without one.</summary>
public class QcJudgingTests
{
    private static readonly QcCheck Height = new("2.3.1", "", "Cell height", "72.6 mm +/- 0.15", new MeasurementLimits(72.45, 72.75, "mm"), RequiresValue: true);
    private static readonly QcCheck Visual = new("1.2.2", "", "Alignment", "visual", null);
    private static readonly QcCheck OptionalValue = new("9.1.2", "", "State of charge", "30 to 50 %", new MeasurementLimits(30, 50, "%"));

    [Theory]
    [InlineData(QcResult.Ok, 72.6, Verdict.Agrees)]
    [InlineData(QcResult.NotOk, 73.0, Verdict.Agrees)]
    [InlineData(QcResult.Ok, 73.0, Verdict.Deviation)]
    [InlineData(QcResult.NotOk, 72.6, Verdict.Deviation)]
    [InlineData(QcResult.Ok, 72.45, Verdict.Agrees)]
    [InlineData(QcResult.NotApplicable, 73.0, Verdict.Agrees)]
    public void A_result_is_judged_against_the_measured_value(QcResult result, double measured, Verdict expected) =>
        Assert.Equal(expected, QcJudging.Judge(Height, result, measured));

    [Fact]
    public void A_check_that_requires_a_value_cannot_be_OK_or_NOT_OK_without_one_but_may_be_NA()
    {
        Assert.Equal(Verdict.MissingValue, QcJudging.Judge(Height, QcResult.Ok, null));
        Assert.Equal(Verdict.MissingValue, QcJudging.Judge(Height, QcResult.NotOk, null));
        Assert.Equal(Verdict.Agrees, QcJudging.Judge(Height, QcResult.NotApplicable, null));
        Assert.Equal(Verdict.Agrees, QcJudging.Judge(Height, QcResult.Empty, null));
        Assert.Equal(Verdict.Agrees, QcJudging.Judge(OptionalValue, QcResult.Ok, null));
        Assert.Equal(Verdict.Agrees, QcJudging.Judge(Visual, QcResult.Ok, null));
    }

    [Fact]
    public void The_message_names_the_check_the_module_the_value_and_the_limits()
    {
        var text = QcJudging.Describe(Height, Module.Y, QcResult.Ok, 73.0);
        Assert.Contains("2.3.1", text);
        Assert.Contains("Module Y", text);
        Assert.Contains("73 mm", text);
        Assert.Contains("72.45 to 72.75 mm", text);
        Assert.Contains("deviation", text);
    }

    [Fact]
    public void A_deviation_is_marked_on_the_form_with_its_value_and_reason()
    {
        var text = FormCellText.Reading(new CheckReading("2.3.1", QcResult.Ok, 73.0, "mm", "Shim fitted, approved by design"));
        Assert.Equal("OK* (73 mm) deviation: Shim fitted, approved by design", text);
        Assert.Equal("OK (72.6 mm)", FormCellText.Reading(new CheckReading("2.3.1", QcResult.Ok, 72.6, "mm")));
    }

    [Fact]
    public void Check_remarks_follow_the_stage_remark_on_the_row()
    {
        var text = FormCellText.Remarks("Line stop 10 min", [new CheckReading("1.1.1", QcResult.Ok, 3.59, "V", null, "Cell 12 re-measured"), new CheckReading("1.1.2", QcResult.Ok, 12, "mOhm")]);
        Assert.Equal("Line stop 10 min; 1.1.1: Cell 12 re-measured", text);
    }

    [Theory]
    [InlineData("bp-2026-0010", "BP-2026-0010")]
    [InlineData("Bp-Case-1", "BP-CASE-1")]
    [InlineData("http://mes.plant/entry/bp-7", "BP-7")]
    public void A_scanned_pack_ID_is_read_in_its_one_upper_case_form(string scanned, string expected) =>
        Assert.Equal(expected, PackIdentifier.ReadScan(scanned).PackId);

    [Fact]
    public void A_route_check_that_requires_a_value_without_limits_is_refused_with_its_place()
    {
        var json = """{ "name": "r", "stages": [ { "number": 1, "name": "S", "checks": [ { "code": "1.1", "description": "d", "requiresValue": true } ] } ] }""";
        var error = Assert.Throws<RouteFileException>(() => RouteFile.Parse(json, "route.json"));
        Assert.Contains("check 1.1", error.Message);
        Assert.Contains("requires a value", error.Message);
    }

    [Fact]
    public void The_plants_voltage_IR_dimension_weight_torque_and_isolation_checks_require_values()
    {
        var route = RouteFile.Load(Infrastructure.TestServices.RoutePath);
        foreach (var code in new[] { "1.1.1", "1.1.2", "2.3.1", "6.1.1", "7.1.2", "8.4.1", "8.6.12", "8.7.2" })
            Assert.True(route.FindCheck(code)!.RequiresValue, code);
        Assert.False(route.FindCheck("1.2.2")!.RequiresValue);
    }
}
