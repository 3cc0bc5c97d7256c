using System.Text.Json;
using System.Text.RegularExpressions;

namespace BatteryMes.Web.Domain;

/// <summary>A route file that cannot be used. The message names the file and the place of the mistake.</summary>
public sealed class RouteFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads and validates the route file (templates/route.json).</summary>
public static partial class RouteFile
{
    [GeneratedRegex(@"^\d+(\.\d+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();

    /// <summary>A form row's code as printed on the form: "10.1.", "9." or "1.1.1".</summary>
    [GeneratedRegex(@"^\d+(\.\d+)*\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex FormRowPattern();

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static ProcessRoute Load(string path)
    {
        if (!File.Exists(path))
            throw new RouteFileException($"Route file '{path}' was not found. Set BatteryMes:Route:File to the route file (the default is templates/route.json).");
        return Parse(File.ReadAllText(path), path);
    }

    public static ProcessRoute Parse(string json, string source)
    {
        RouteDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<RouteDocument>(json, Json);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : "";
            var path = string.IsNullOrEmpty(ex.Path) ? "" : $" (near {ex.Path})";
            throw new RouteFileException($"Route file '{source}' is not valid JSON{where}{path}: {FirstSentence(ex.Message)}", ex);
        }

        var errors = new List<string>();
        if (doc?.Stages is not { Count: > 0 })
            throw new RouteFileException($"Route file '{source}' has no stages: it needs a \"stages\" list with at least one stage.");

        var stages = new List<RouteStage>();
        var seenCodes = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < doc.Stages.Count; i++)
        {
            var s = doc.Stages[i];
            var at = $"stages[{i}]";
            if (s is null) { errors.Add($"{at} is empty."); continue; }
            if (s.Number != i + 1) errors.Add($"{at} has number {s.Number}; stages must be numbered 1, 2, 3 ... in route order (expected {i + 1}).");
            if (string.IsNullOrWhiteSpace(s.Name)) errors.Add($"{at} has no name.");
            else if (!seenNames.Add(s.Name.Trim())) errors.Add($"{at} repeats the stage name '{s.Name}'.");
            if (s.Checks is not { Count: > 0 }) { errors.Add($"{at} ('{s.Name}') has no checks."); continue; }

            var checks = new List<QcCheck>();
            for (var j = 0; j < s.Checks.Count; j++)
            {
                var c = s.Checks[j];
                var cat = $"{at}.checks[{j}]";
                if (c is null) { errors.Add($"{cat} is empty."); continue; }
                var code = c.Code?.Trim() ?? "";
                if (!CodePattern().IsMatch(code)) { errors.Add($"{cat} has code '{c.Code}'; a check code is numbers separated by dots, like 2.6.3."); continue; }
                if (code.Length > 16) { errors.Add($"{cat} has code '{code}', longer than 16 characters."); continue; }
                if (seenCodes.TryGetValue(code, out var first)) { errors.Add($"{cat} repeats check code {code} (first used at {first})."); continue; }
                seenCodes[code] = cat;
                if (string.IsNullOrWhiteSpace(c.Description)) errors.Add($"{cat} (check {code}) has no description.");
                MeasurementLimits? limits = null;
                if (c.Min is not null || c.Max is not null)
                {
                    if (c.Min is { } lo && c.Max is { } hi && lo > hi) errors.Add($"{cat} (check {code}) has min {lo} above max {hi}.");
                    if (c.Min is { } a && !double.IsFinite(a) || c.Max is { } b && !double.IsFinite(b)) errors.Add($"{cat} (check {code}) has a limit that is not a number.");
                    limits = new MeasurementLimits(c.Min, c.Max, c.Unit?.Trim() ?? "");
                }
                else if (!string.IsNullOrWhiteSpace(c.Unit))
                {
                    errors.Add($"{cat} (check {code}) has a unit but no min or max.");
                }
                if (c.RequiresValue && limits is null)
                    errors.Add($"{cat} (check {code}) requires a value but has no min or max to judge it by.");
                var formRow = ReadFormRow(c.FormRow, code, cat, errors);
                checks.Add(new QcCheck(code, c.Operation?.Trim() ?? "", c.Description?.Trim() ?? "", c.Criterion?.Trim() ?? "", limits, formRow, c.RequiresValue));
            }
            stages.Add(new RouteStage(s.Number, s.Name?.Trim() ?? "", checks));
        }
        CheckSharedFormRows(stages, errors);

        if (errors.Count > 0)
            throw new RouteFileException($"Route file '{source}' has {errors.Count} problem(s):{Environment.NewLine}  - " + string.Join(Environment.NewLine + "  - ", errors));
        return new ProcessRoute(string.IsNullOrWhiteSpace(doc.Name) ? "Process route" : doc.Name.Trim(), stages);
    }

    /// <summary>The optional "formRow" of a check, without its final dot ("10.1." gives 10.1); null when absent.</summary>
    private static string? ReadFormRow(string? text, string code, string at, List<string> errors)
    {
        if (text is null) return null;
        var row = text.Trim();
        if (!FormRowPattern().IsMatch(row))
        {
            errors.Add($"{at} (check {code}) has formRow '{text}'; a form row is the code printed at the start of the form's row, numbers separated by dots, like 1.1.1, 10.1. or 9.");
            return null;
        }
        row = row.TrimEnd('.');
        if (row.Length > 16) { errors.Add($"{at} (check {code}) has formRow '{text}', longer than 16 characters."); return null; }
        if (row == code) { errors.Add($"{at} (check {code}) has formRow {text}, its own code: leave formRow out (a check goes to the row of its own code anyway)."); return null; }
        return row;
    }

    /// <summary>A form row shows one stage's dates, names and remark, so the checks it carries (the check with the
    /// row's code, if any, and those mapped to it) must all belong to one stage.</summary>
    private static void CheckSharedFormRows(List<RouteStage> stages, List<string> errors)
    {
        var stageOf = stages.SelectMany(s => s.Checks.Select(c => (c.Code, s.Number))).ToDictionary(x => x.Code, x => x.Number, StringComparer.Ordinal);
        foreach (var row in stages.SelectMany(s => s.Checks.Where(c => c.FormRow is not null).Select(c => (Check: c, Stage: s.Number))).GroupBy(x => x.Check.FormRow!))
        {
            var sharing = row.Select(x => (x.Check.Code, x.Stage)).ToList();
            if (stageOf.TryGetValue(row.Key, out var owner)) sharing.Insert(0, (row.Key, owner));
            if (sharing.Select(x => x.Stage).Distinct().Count() < 2) continue;
            errors.Add($"Form row {row.Key} would carry checks of different stages ({string.Join(", ", sharing.Select(x => $"{x.Code} of stage {x.Stage}"))}); a form row shows one stage's dates, names and remark, so give these checks rows of their own.");
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private sealed class RouteDocument
    {
        public string? Name { get; set; }
        public List<StageDocument?>? Stages { get; set; }
    }

    private sealed class StageDocument
    {
        public int Number { get; set; }
        public string? Name { get; set; }
        public List<CheckDocument?>? Checks { get; set; }
    }

    private sealed class CheckDocument
    {
        public string? Code { get; set; }
        public string? Operation { get; set; }
        public string? Description { get; set; }
        public string? Criterion { get; set; }
        public double? Min { get; set; }
        public double? Max { get; set; }
        public string? Unit { get; set; }
        public bool RequiresValue { get; set; }
        public string? FormRow { get; set; }
    }
}
