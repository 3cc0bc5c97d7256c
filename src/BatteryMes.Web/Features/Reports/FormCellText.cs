using System.Globalization;
using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.Reports;

/// <summary>One module's recorded result of one check, with the unit of its measured value ("" when unmeasurable), the
/// reason of a deviation (a result its value contradicts) and the check's remark.</summary>
public sealed record CheckReading(string Code, QcResult Result, double? Measured, string Unit, string? Deviation = null, string? Remark = null)
{
    public static CheckReading Empty(string code, string unit) => new(code, QcResult.Empty, null, unit);
}

/// <summary>The text of a result cell of the Excel form. Every result the form prints is composed here, so that a
/// new kind of result (a deviation, a per-check remark) is added in one place.
/// A row with one check shows it alone: "OK", "NOT OK (3.71 V)". A row that carries several checks shows the row's
/// combined verdict, then each check with its code and value: "NOT OK: 1.1.1 OK (3.59 V); 1.1.2 NOT OK (13.9 mOhm)".
/// The verdict is NOT OK when any check is NOT OK, OK when every check is OK or N/A, N/A when all are N/A, and left
/// out while a check is still open (then the open ones say "not recorded").</summary>
public static class FormCellText
{
    public const string NotRecorded = "not recorded";
    public const string NotOnFormLead = "Not on this form: ";

    public const string DeviationMark = "*";

    /// <summary>"OK", "NOT OK (3.71 V)", "3.59 V" when only a value was typed, "" when nothing is recorded; a deviation
    /// is marked and carries its reason: "OK* (73 mm) deviation: shim measured, within drawing tolerance".</summary>
    public static string Reading(CheckReading reading)
    {
        var text = reading.Result.ToText();
        if (text.Length > 0 && reading.Deviation is not null) text += DeviationMark;
        if (reading.Measured is { } value)
        {
            var measured = $"{value.ToString("0.###", CultureInfo.InvariantCulture)} {reading.Unit}".TrimEnd();
            text = text.Length == 0 ? measured : $"{text} ({measured})";
        }
        return reading.Deviation is { } reason && reading.Result.HasValue() ? $"{text} deviation: {reason}" : text;
    }

    /// <summary>The remark cell of a form row: the stage's remark (on the stage's first row only), then each check's own
    /// remark with its code: "Cells re-sorted; 1.1.2: cell 14 replaced".</summary>
    public static string Remarks(string? stageRemark, IEnumerable<CheckReading> checks)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(stageRemark)) parts.Add(stageRemark);
        parts.AddRange(checks.Where(c => !string.IsNullOrWhiteSpace(c.Remark)).Select(c => $"{c.Code}: {c.Remark}"));
        return string.Join("; ", parts);
    }

    /// <summary>A Module X or Module Y result cell for the checks of one row (in route order).</summary>
    public static string Module(IReadOnlyList<CheckReading> readings) =>
        Row(readings.Select(r => (r.Code, Reading(r), new[] { r.Result })).ToList());

    /// <summary>The one result cell of the pack-level part of the form: each check's two modules in one text
    /// ("OK" when they agree, "X: OK / Y: N/A" when not).</summary>
    public static string Pack(IReadOnlyList<(CheckReading X, CheckReading Y)> readings) =>
        Row(readings.Select(r => (r.X.Code, BothModules(r.X, r.Y), new[] { r.X.Result, r.Y.Result })).ToList());

    /// <summary>The note for checks the form has no place for, with their results, so that the printed form still
    /// says what was recorded: "Not on this form: 3.2.1 X: NOT OK (78.3 mm) / Y: OK; 2.6.3 not recorded".</summary>
    public static string NotOnForm(IReadOnlyList<(CheckReading X, CheckReading Y)> readings) =>
        NotOnFormLead + string.Join("; ", readings.Select(r => Item(r.X.Code, BothModules(r.X, r.Y))));

    public static string BothModules(CheckReading x, CheckReading y)
    {
        var (textX, textY) = (Reading(x), Reading(y));
        if (textX == textY) return textX;
        if (textY.Length == 0) return $"X: {textX}";
        if (textX.Length == 0) return $"Y: {textY}";
        return $"X: {textX} / Y: {textY}";
    }

    private static string Row(IReadOnlyList<(string Code, string Text, QcResult[] Results)> checks)
    {
        if (checks.Count == 1) return checks[0].Text;
        if (checks.All(c => c.Text.Length == 0)) return "";
        var items = string.Join("; ", checks.Select(c => Item(c.Code, c.Text)));
        return Verdict(checks.SelectMany(c => c.Results).ToList()) is { } verdict ? $"{verdict}: {items}" : items;
    }

    private static string Item(string code, string text) => $"{code} {(text.Length == 0 ? NotRecorded : text)}";

    private static string? Verdict(IReadOnlyList<QcResult> results)
    {
        if (results.Contains(QcResult.NotOk)) return QcResultText.NotOk;
        if (results.Contains(QcResult.Empty)) return null;
        return results.All(r => r == QcResult.NotApplicable) ? QcResultText.NotApplicable : QcResultText.Ok;
    }
}
