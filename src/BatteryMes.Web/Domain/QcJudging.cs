using System.Globalization;

namespace BatteryMes.Web.Domain;

/// <summary>How a recorded result stands against its evidence.</summary>
public enum Verdict
{
    /// <summary>The result agrees with the measured value, or there is nothing to judge it by.</summary>
    Agrees,
    /// <summary>OK against a value outside the limits, or NOT OK against a value inside them: needs a reason and a QC inspector.</summary>
    Deviation,
    /// <summary>OK or NOT OK on a check that requires a measured value, without one.</summary>
    MissingValue,
}

/// <summary>The limits decide; a person may deviate from them only with a reason. The one place these rules live:
/// the save, the status rules, the page and the reports ask it.</summary>
public static class QcJudging
{
    public const int MaxReasonLength = 500;

    public static Verdict Judge(QcCheck check, QcResult result, double? measured)
    {
        if (result is not (QcResult.Ok or QcResult.NotOk)) return Verdict.Agrees;
        if (measured is null) return check.RequiresValue ? Verdict.MissingValue : Verdict.Agrees;
        return check.Limits is { } limits && limits.Judge(measured.Value) != result ? Verdict.Deviation : Verdict.Agrees;
    }

    /// <summary>"Check 2.3.1, Module Y: 73 mm is outside 72.45 to 72.75 mm (NOT OK by the limits); OK is a deviation."</summary>
    public static string Describe(QcCheck check, Module module, QcResult result, double? measured) => Judge(check, result, measured) switch
    {
        Verdict.MissingValue => $"Check {check.Code}, Module {module}: {result.ToText()} needs a measured value ({check.Limits}). Enter the value, or record N/A.",
        Verdict.Deviation => $"Check {check.Code}, Module {module}: {Format(measured!.Value)} {check.Limits!.Unit} is {(check.Limits.Accepts(measured.Value) ? "within" : "outside")} " +
            $"{check.Limits} ({check.Limits.Judge(measured.Value).ToText()} by the limits); {result.ToText()} is a deviation.",
        _ => "",
    };

    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
