using System.Globalization;
using System.Text;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using CsvHelper;

namespace BatteryMes.Web.Features.Reports;

/// <summary>The UTF-8 text of one CSV cell in a buffer that is reused from pack to pack: 100,000 packs have 800,000
/// stage records with five text cells each, and none of them allocates.</summary>
internal sealed class CellText
{
    private byte[] _bytes = new byte[32];

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Text a person typed, neutralised by the rule of <see cref="SpreadsheetText"/> (a leading apostrophe
    /// before = + - @ tab CR, also behind invisible characters or in their full-width forms).</summary>
    public void SetTyped(ReadOnlySpan<byte> utf8)
    {
        var prefix = SpreadsheetText.StartsLikeFormula(utf8) ? 1 : 0;
        var target = Reserve(prefix + utf8.Length);
        if (prefix == 1) target[0] = (byte)'\'';
        utf8.CopyTo(target[prefix..]);
    }

    public void SetTyped(string? text)
    {
        var neutralised = SpreadsheetText.Neutralise(text);
        var target = Reserve(Encoding.UTF8.GetByteCount(neutralised));
        Encoding.UTF8.GetBytes(neutralised, target);
    }

    /// <summary>A UTC time as plant-local <see cref="ResultsCsvWriter.TimeFormat"/>; empty when there is none.</summary>
    public void SetTime(DateTime? utc, PlantClock clock)
    {
        if (utc is not { } value)
        {
            Length = 0;
            return;
        }
        var local = clock.ToLocal(value);
        var target = Reserve(32);
        Length = local.TryFormat(target, out var written, ResultsCsvWriter.TimeFormat, CultureInfo.InvariantCulture) ? written : 0;
    }

    private Span<byte> Reserve(int length)
    {
        if (_bytes.Length < length) _bytes = new byte[Math.Max(length, _bytes.Length * 2)];
        Length = length;
        return _bytes.AsSpan(0, length);
    }
}

/// <summary>The route's texts as UTF-8, made once per export: they are the same on every pack.</summary>
internal sealed class RouteText
{
    public RouteText(ProcessRoute route)
    {
        Stages = route.Stages.Select(s => new StageText(s)).ToArray();
        StageIndex = route.Stages.Select((s, i) => (s.Number, i)).ToDictionary(x => x.Number, x => x.i);
        NotStarted = Utf8(StageStatus.NotStarted.ToText());
        StageStatuses = Enum.GetValues<StageStatus>().ToDictionary(s => (int)s, s => Utf8(s.ToText()));
        PackStatuses = Enum.GetValues<PackStatus>().ToDictionary(s => (int)s, s => Utf8(s.ToText()));
        Results = Enum.GetValues<QcResult>().ToDictionary(r => (int)r, r => Utf8(r.ToText()));
    }

    public StageText[] Stages { get; }
    public Dictionary<int, int> StageIndex { get; }
    public byte[] NotStarted { get; }
    public Dictionary<int, byte[]> StageStatuses { get; }
    public Dictionary<int, byte[]> PackStatuses { get; }
    public Dictionary<int, byte[]> Results { get; }

    public byte[] Result(int value) => Results.TryGetValue(value, out var text) ? text : [];

    public static byte[] Utf8(string? text) => Encoding.UTF8.GetBytes(text ?? "");
}

internal sealed class StageText(RouteStage stage)
{
    public byte[] Number { get; } = RouteText.Utf8(stage.Number.ToString(CultureInfo.InvariantCulture));
    public byte[] Name { get; } = RouteText.Utf8(stage.Name);
    public byte[][] Codes { get; } = stage.Checks.Select(c => RouteText.Utf8(c.Code)).ToArray();
    public byte[][] Descriptions { get; } = stage.Checks.Select(c => RouteText.Utf8(SpreadsheetText.Neutralise(c.Description))).ToArray();
    public byte[][] Units { get; } = stage.Checks.Select(c => RouteText.Utf8(c.Limits?.Unit)).ToArray();
    private readonly Dictionary<string, int> _checkIndex = stage.Checks.Select((c, i) => (c.Code, i)).ToDictionary(x => x.Code, x => x.i, StringComparer.Ordinal);

    public int CheckIndex(string code) => _checkIndex.TryGetValue(code, out var i) ? i : -1;

    /// <summary>The route position of a check code given as UTF-8, or -1 when the route no longer has it. Results
    /// mostly come in route order, so the position after the previous one is tried first.</summary>
    public int CheckIndex(ReadOnlySpan<byte> code, int expected)
    {
        if ((uint)expected < (uint)Codes.Length && code.SequenceEqual(Codes[expected])) return expected;
        for (var i = 0; i < Codes.Length; i++)
            if (code.SequenceEqual(Codes[i])) return i;
        return -1;
    }
}

/// <summary>One stage record of a pack being exported: its own cells and its results by route check position.</summary>
internal sealed class StageRows(StageText text)
{
    public readonly StageText Text = text;
    public readonly int[] ModuleX = new int[text.Codes.Length];
    public readonly int[] ModuleY = new int[text.Codes.Length];
    public readonly double?[] MeasuredX = new double?[text.Codes.Length];
    public readonly double?[] MeasuredY = new double?[text.Codes.Length];
    /// <summary>Deviation reasons and the check's own remark, per check (mostly empty).</summary>
    public readonly CellText[] DeviationX = NewCells(text.Codes.Length), DeviationY = NewCells(text.Codes.Length), CheckRemark = NewCells(text.Codes.Length);
    public readonly CellText Technician = new(), Inspector = new(), Remarks = new(), Started = new(), Completed = new();
    public bool Present;
    public long RowId;
    public byte[] Status = [];
    /// <summary>Where the next result is expected in the route (see <see cref="StageText.CheckIndex(ReadOnlySpan{byte}, int)"/>).</summary>
    public int NextCheck;

    public void Clear()
    {
        Present = false;
        RowId = 0;
        NextCheck = 0;
        Array.Clear(ModuleX);
        Array.Clear(ModuleY);
        Array.Clear(MeasuredX);
        Array.Clear(MeasuredY);
        foreach (var cells in (CellText[][])[DeviationX, DeviationY, CheckRemark])
            foreach (var cell in cells) cell.Clear();
    }

    private static CellText[] NewCells(int count) => Enumerable.Range(0, count).Select(_ => new CellText()).ToArray();

    /// <summary>The check's deviation reasons and remark, as stored (UTF-8; empty for none).</summary>
    public void RecordNotes(int check, ReadOnlySpan<byte> deviationX, ReadOnlySpan<byte> deviationY, ReadOnlySpan<byte> remark)
    {
        if (!deviationX.IsEmpty) DeviationX[check].SetTyped(deviationX);
        if (!deviationY.IsEmpty) DeviationY[check].SetTyped(deviationY);
        if (!remark.IsEmpty) CheckRemark[check].SetTyped(remark);
    }

    public void RecordNotes(int check, string? deviationX, string? deviationY, string? remark)
    {
        if (deviationX is not null) DeviationX[check].SetTyped(deviationX);
        if (deviationY is not null) DeviationY[check].SetTyped(deviationY);
        if (remark is not null) CheckRemark[check].SetTyped(remark);
    }

    public void Record(int check, int moduleX, int moduleY, double? measuredX, double? measuredY)
    {
        ModuleX[check] = moduleX;
        ModuleY[check] = moduleY;
        MeasuredX[check] = measuredX;
        MeasuredY[check] = measuredY;
        NextCheck = check + 1;
    }
}

/// <summary>One pack of the export, filled by a reader (<see cref="ResultsCsvSources"/>) and written out by
/// <see cref="Write"/>; reused for later packs once written.</summary>
internal sealed class PackRows(RouteText route)
{
    private readonly StageRows[] _stages = route.Stages.Select(s => new StageRows(s)).ToArray();
    private readonly CellText _packId = new(), _serialX = new(), _serialY = new();
    private byte[] _status = [];

    public long RowId { get; private set; }

    public void Start(long rowId, string packId, string? serialX, string? serialY, int status)
    {
        RowId = rowId;
        _packId.SetTyped(packId);
        _serialX.SetTyped(serialX);
        _serialY.SetTyped(serialY);
        _status = route.PackStatuses.TryGetValue(status, out var s) ? s : [];
        foreach (var stage in _stages) stage.Clear();
    }

    /// <summary>The route stage for a stage record of this pack (marked present), or null when the route has no such
    /// stage any more.</summary>
    public StageRows? Stage(int stageNumber, long rowId, int status)
    {
        if (!route.StageIndex.TryGetValue(stageNumber, out var index)) return null;
        var stage = _stages[index];
        stage.RowId = rowId;
        stage.Present = true;
        stage.Status = route.StageStatuses.TryGetValue(status, out var s) ? s : [];
        return stage;
    }

    /// <summary>The stage read earlier with this record ID, or null.</summary>
    public StageRows? StageOfRecord(long rowId)
    {
        foreach (var stage in _stages)
            if (stage.Present && stage.RowId == rowId) return stage;
        return null;
    }

    /// <summary>Writes the pack's rows (every route stage and check) and returns how many.</summary>
    public long Write(CsvWriter csv)
    {
        if (RowId == 0) return 0;
        long rows = 0;
        foreach (var stage in _stages)
        {
            var text = stage.Text;
            for (var c = 0; c < text.Codes.Length; c++)
            {
                csv.WriteField(_packId.Span);
                csv.WriteField(_serialX.Span);
                csv.WriteField(_serialY.Span);
                csv.WriteField(_status.AsSpan());
                csv.WriteField(text.Number.AsSpan());
                csv.WriteField(text.Name.AsSpan());
                if (stage.Present)
                {
                    csv.WriteField(stage.Status.AsSpan());
                    csv.WriteField(stage.Technician.Span);
                    csv.WriteField(stage.Inspector.Span);
                    csv.WriteField(stage.Started.Span);
                    csv.WriteField(stage.Completed.Span);
                    csv.WriteField(stage.Remarks.Span);
                }
                else
                {
                    csv.WriteField(route.NotStarted.AsSpan());
                    for (var i = 0; i < 5; i++) csv.WriteField(ReadOnlySpan<byte>.Empty);
                }
                csv.WriteField(text.Codes[c].AsSpan());
                csv.WriteField(text.Descriptions[c].AsSpan());
                csv.WriteField(route.Result(stage.ModuleX[c]).AsSpan());
                csv.WriteField(stage.MeasuredX[c], default);
                csv.WriteField(route.Result(stage.ModuleY[c]).AsSpan());
                csv.WriteField(stage.MeasuredY[c], default);
                csv.WriteField(text.Units[c].AsSpan());
                csv.WriteField(stage.DeviationX[c].Span);
                csv.WriteField(stage.DeviationY[c].Span);
                csv.WriteField(stage.CheckRemark[c].Span);
                csv.EndRecord();
                rows++;
            }
        }
        return rows;
    }
}
