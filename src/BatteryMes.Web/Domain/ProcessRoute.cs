namespace BatteryMes.Web.Domain;

/// <summary>The plant's process route: stages in line order, each with its numbered QC checks.
/// Loaded from a file the plant edits (templates/route.json), never hard-coded.</summary>
public sealed class ProcessRoute
{
    private readonly Dictionary<int, RouteStage> _byNumber;
    private readonly Dictionary<string, (RouteStage Stage, QcCheck Check)> _byCode;

    public ProcessRoute(string name, IReadOnlyList<RouteStage> stages)
    {
        Name = name;
        Stages = stages;
        _byNumber = stages.ToDictionary(s => s.Number);
        _byCode = stages.SelectMany(s => s.Checks.Select(c => (s, c)))
            .ToDictionary(x => x.c.Code, x => (x.s, x.c), StringComparer.Ordinal);
    }

    public string Name { get; }
    public IReadOnlyList<RouteStage> Stages { get; }
    public int StageCount => Stages.Count;
    public RouteStage FirstStage => Stages[0];
    public RouteStage LastStage => Stages[^1];
    public IEnumerable<QcCheck> AllChecks => Stages.SelectMany(s => s.Checks);

    public RouteStage? FindStage(int number) => _byNumber.GetValueOrDefault(number);

    public RouteStage GetStage(int number) =>
        FindStage(number) ?? throw new ArgumentOutOfRangeException(nameof(number), number, $"The route has no stage {number}.");

    public QcCheck? FindCheck(string code) => _byCode.TryGetValue(code, out var hit) ? hit.Check : null;

    public RouteStage? StageOfCheck(string code) => _byCode.TryGetValue(code, out var hit) ? hit.Stage : null;
}

public sealed record RouteStage(int Number, string Name, IReadOnlyList<QcCheck> Checks)
{
    public QcCheck? FindCheck(string code) => Checks.FirstOrDefault(c => c.Code == code);
    public override string ToString() => $"{Number}. {Name}";
}

/// <summary>One numbered QC check. Where <see cref="Limits"/> is set the check is measurable; where
/// <see cref="RequiresValue"/> is set, OK or NOT OK needs a measured value (N/A does not). <see cref="FormRow"/> is
/// the code of the Excel form row that shows the check when the form has no row of the check's own code (a row that
/// carries several checks, like "1.1.1" for voltage and IR, or a section's text such as "10.1."), without a final dot.</summary>
public sealed record QcCheck(string Code, string Operation, string Description, string Criterion, MeasurementLimits? Limits, string? FormRow = null,
    bool RequiresValue = false)
{
    public bool IsMeasurable => Limits is not null;
}

/// <summary>Inclusive acceptance limits of a measured value. Either bound may be open.</summary>
public sealed record MeasurementLimits(double? Min, double? Max, string Unit)
{
    public bool Accepts(double value) =>
        !double.IsNaN(value) && (Min is null || value >= Min.Value - 1e-9) && (Max is null || value <= Max.Value + 1e-9);

    /// <summary>The result a measured value earns: OK inside the limits, NOT OK outside.</summary>
    public QcResult Judge(double value) => Accepts(value) ? QcResult.Ok : QcResult.NotOk;

    public override string ToString() => (Min, Max) switch
    {
        ({ } lo, { } hi) => $"{lo:0.###} to {hi:0.###} {Unit}".TrimEnd(),
        ({ } lo, null) => $">= {lo:0.###} {Unit}".TrimEnd(),
        (null, { } hi) => $"<= {hi:0.###} {Unit}".TrimEnd(),
        _ => Unit,
    };
}
