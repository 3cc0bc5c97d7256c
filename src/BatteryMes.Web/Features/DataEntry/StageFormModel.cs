using System.Globalization;
using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.DataEntry;

/// <summary>One check on the stage form: what was loaded and what the user has entered since.
/// Only the difference is saved, so a save writes only the fields its user changed.</summary>
public sealed class CheckRow(QcCheck check, CheckEntry loaded)
{
    private string? _measuredX = Format(loaded.MeasuredX), _measuredY = Format(loaded.MeasuredY);

    public QcCheck Check { get; } = check;
    public CheckEntry Loaded { get; } = loaded;
    public QcResult X { get; set; } = loaded.ModuleX;
    public QcResult Y { get; set; } = loaded.ModuleY;

    public QcResult Get(Module module) => module == Module.X ? X : Y;

    /// <summary>The reason for a deviation, per module, as typed (loaded from the record).</summary>
    public string? DeviationX { get; set; } = loaded.DeviationX;
    public string? DeviationY { get; set; } = loaded.DeviationY;
    public string? Remark { get; set; } = loaded.Remark;

    public string? Deviation(Module module) => module == Module.X ? DeviationX : DeviationY;

    public void SetDeviation(Module module, string? reason)
    {
        if (module == Module.X) DeviationX = reason; else DeviationY = reason;
    }

    public bool DeviationChanged(Module module) => Differs(Deviation(module), Loaded.Deviation(module));
    public bool RemarkChanged => Differs(Remark, Loaded.Remark);

    /// <summary>How the chosen result stands against the typed value (see <see cref="QcJudging"/>).</summary>
    public Verdict Verdict(Module module) => QcJudging.Judge(Check, Get(module), Measured(module));

    public void Set(Module module, QcResult value)
    {
        if (module == Module.X) X = value; else Y = value;
    }

    public string? MeasuredText(Module module) => module == Module.X ? _measuredX : _measuredY;

    /// <summary>Typing a measured value judges it against the check's limits at once: the module's result follows.</summary>
    public void SetMeasuredText(Module module, string? text)
    {
        if (module == Module.X) _measuredX = text; else _measuredY = text;
        if (Measured(module) is { } value && Check.Limits is { } limits) Set(module, limits.Judge(value));
    }

    public double? Measured(Module module) => Parse(MeasuredText(module));

    public bool MeasuredChanged(Module module) =>
        !string.Equals((MeasuredText(module) ?? "").Trim(), Format(module == Module.X ? Loaded.MeasuredX : Loaded.MeasuredY) ?? "", StringComparison.Ordinal);

    /// <summary>OK / NOT OK for a typed value against the limits; <see cref="QcResult.Empty"/> when the text is not a number; null when nothing is typed.</summary>
    public QcResult? Judgement(Module module)
    {
        var text = MeasuredText(module);
        if (string.IsNullOrWhiteSpace(text) || Check.Limits is null) return null;
        return Measured(module) is { } v ? Check.Limits.Judge(v) : QcResult.Empty;
    }

    public bool IsChanged => X != Loaded.ModuleX || Y != Loaded.ModuleY || MeasuredChanged(Module.X) || MeasuredChanged(Module.Y)
        || DeviationChanged(Module.X) || DeviationChanged(Module.Y) || RemarkChanged;

    private static bool Differs(string? a, string? b) => !string.Equals((a ?? "").Trim(), (b ?? "").Trim(), StringComparison.Ordinal);

    /// <summary>Reads "3.59" and the comma-decimal "3,59" some tablets' keyboards give.</summary>
    public static double? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var normalized = text.Trim().Replace(',', '.');
        return double.TryParse(normalized, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
    }

    private static string? Format(double? v) => v?.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>Unsaved entries of one stage kept in the browser's localStorage (per pack and stage) while the user types.</summary>
public sealed record StageDraft
{
    public DateTime SavedUtc { get; init; }
    public int Version { get; init; }
    public DateTime? UpdatedUtc { get; init; }
    public List<DraftCheck> Checks { get; init; } = [];
    public string? Remarks { get; init; }
    [System.Text.Json.Serialization.JsonIgnore] public string? SavedLocal { get; init; }
    [System.Text.Json.Serialization.JsonIgnore] public StageBaseline Baseline => new(Version, UpdatedUtc);
    [System.Text.Json.Serialization.JsonIgnore] public bool HasContent => Checks.Count > 0 || Remarks is not null;
}

public sealed record DraftCheck(string Code, QcResult? X, QcResult? Y, string? MeasuredX, string? MeasuredY,
    string? DeviationX = null, string? DeviationY = null, string? Remark = null);
