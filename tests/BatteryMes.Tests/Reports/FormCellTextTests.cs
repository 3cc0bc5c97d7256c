using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Reports;

namespace BatteryMes.Tests.Reports;

public class FormCellTextTests
{
    private static CheckReading R(string code, QcResult result, double? measured = null, string unit = "") => new(code, result, measured, unit);

    [Theory]
    [InlineData(QcResult.Ok, 3.59, "V", "OK (3.59 V)")]
    [InlineData(QcResult.NotOk, 13.9, "mOhm", "NOT OK (13.9 mOhm)")]
    [InlineData(QcResult.Empty, 3.5949, "V", "3.595 V")]
    [InlineData(QcResult.NotApplicable, null, "", "N/A")]
    [InlineData(QcResult.Empty, null, "V", "")]
    [InlineData(QcResult.Ok, 17.0, "", "OK (17)")]
    public void A_row_with_one_check_keeps_the_short_form(QcResult result, double? measured, string unit, string expected) =>
        Assert.Equal(expected, FormCellText.Module([R("1.1.1", result, measured, unit)]));

    [Fact]
    public void A_row_with_several_checks_is_not_ok_when_any_is_and_shows_each_with_its_value()
    {
        var text = FormCellText.Module([R("1.1.1", QcResult.Ok, 3.59, "V"), R("1.1.2", QcResult.NotOk, 13.9, "mOhm")]);

        Assert.Equal("NOT OK: 1.1.1 OK (3.59 V); 1.1.2 NOT OK (13.9 mOhm)", text);
    }

    [Fact]
    public void A_row_with_several_checks_all_ok_or_not_applicable_is_ok()
    {
        Assert.Equal("OK: 6.1.1 OK (17.1 kg); 6.1.3 N/A", FormCellText.Module([R("6.1.1", QcResult.Ok, 17.1, "kg"), R("6.1.3", QcResult.NotApplicable)]));
        Assert.Equal("N/A: 9.1.1 N/A; 9.1.2 N/A", FormCellText.Module([R("9.1.1", QcResult.NotApplicable), R("9.1.2", QcResult.NotApplicable)]));
    }

    [Fact]
    public void A_row_with_an_open_check_gives_no_verdict_but_names_the_open_check()
    {
        var open = FormCellText.Module([R("7.1.1", QcResult.Ok), R("7.1.2", QcResult.Empty, null, "MOhm")]);
        var openWithNotOk = FormCellText.Module([R("7.1.1", QcResult.Empty), R("7.1.2", QcResult.NotOk, 4, "MOhm")]);
        var valueOnly = FormCellText.Module([R("1.1.1", QcResult.Empty, 3.59, "V"), R("1.1.2", QcResult.Ok, 12, "mOhm")]);

        Assert.Equal("7.1.1 OK; 7.1.2 not recorded", open);
        Assert.Equal("NOT OK: 7.1.1 not recorded; 7.1.2 NOT OK (4 MOhm)", openWithNotOk);
        Assert.Equal("1.1.1 3.59 V; 1.1.2 OK (12 mOhm)", valueOnly);
    }

    [Fact]
    public void A_row_with_several_checks_and_nothing_recorded_is_empty() =>
        Assert.Equal("", FormCellText.Module([R("6.1.1", QcResult.Empty), R("6.1.2", QcResult.Empty, null, "mV")]));

    [Fact]
    public void The_pack_level_cell_combines_both_modules_per_check_and_the_row_verdict_over_all()
    {
        Assert.Equal("OK", FormCellText.Pack([(R("8.6.10", QcResult.Ok), R("8.6.10", QcResult.Ok))]));
        Assert.Equal("X: OK / Y: N/A", FormCellText.Pack([(R("8.6.11", QcResult.Ok), R("8.6.11", QcResult.NotApplicable))]));
        Assert.Equal("X: OK (1.5 N.m)", FormCellText.Pack([(R("8.4.1", QcResult.Ok, 1.5, "N.m"), R("8.4.1", QcResult.Empty, null, "N.m"))]));
        Assert.Equal("NOT OK: 9.1.1 OK; 9.1.2 X: OK (25 %) / Y: NOT OK (35 %)",
            FormCellText.Pack([(R("9.1.1", QcResult.Ok), R("9.1.1", QcResult.Ok)), (R("9.1.2", QcResult.Ok, 25, "%"), R("9.1.2", QcResult.NotOk, 35, "%"))]));
    }

    [Fact]
    public void The_note_for_checks_off_the_form_carries_their_results()
    {
        var note = FormCellText.NotOnForm([(R("3.2.1", QcResult.NotOk, 78.3, "mm"), R("3.2.1", QcResult.Ok, 78, "mm")), (R("2.6.3", QcResult.Empty), R("2.6.3", QcResult.Empty))]);

        Assert.Equal("Not on this form: 3.2.1 X: NOT OK (78.3 mm) / Y: OK (78 mm); 2.6.3 not recorded", note);
    }
}
