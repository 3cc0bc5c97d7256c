using System.Text.Json.Serialization;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>What a label encodes: the pack's entry URL (a phone's camera opens the pack) or the bare pack ID.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LabelPayload>))]
public enum LabelPayload
{
    EntryUrl,
    PackId,
}

[JsonConverter(typeof(JsonStringEnumConverter<LabelSizeUnit>))]
public enum LabelSizeUnit
{
    Pixels,
    Millimetres,
}

/// <summary>A batch of labels: either a numbered range (prefix, start, count, padding) or a list of IDs, plus how
/// the labels look. The same shape is the body of POST /api/qr/batches and the model of the /qr page.</summary>
public sealed class LabelBatchRequest
{
    public string? Prefix { get; set; }
    public int? Start { get; set; }
    public int? Count { get; set; }
    /// <summary>Digits of the running number, zero-filled (4: 0001). 0: no padding.</summary>
    public int Padding { get; set; }
    /// <summary>When given, these IDs are the batch and the range fields are ignored.</summary>
    public List<string>? Ids { get; set; }

    public LabelPayload Payload { get; set; } = LabelPayload.EntryUrl;
    /// <summary>Overrides BatteryMes:Server:PublicBaseUrl for this batch.</summary>
    public string? BaseUrl { get; set; }
    /// <summary>Width of the label (the code is a square of this width), in <see cref="Unit"/>.</summary>
    public double Size { get; set; } = 300;
    public LabelSizeUnit Unit { get; set; } = LabelSizeUnit.Pixels;
    /// <summary>Print resolution: converts millimetres to pixels, and pixels to the printed size on the sheet.</summary>
    public int Dpi { get; set; } = 300;
    /// <summary>Optional second text line under the ID, e.g. the model.</summary>
    public string? SecondLine { get; set; }
    /// <summary>Leave out flagged duplicates and generate the rest, instead of refusing the batch.</summary>
    public bool SkipDuplicates { get; set; }

    public bool IsList => Ids is not null;
}

[JsonConverter(typeof(JsonStringEnumConverter<DuplicateKind>))]
public enum DuplicateKind
{
    /// <summary>A pack with this ID is already recorded.</summary>
    ExistingPack,
    /// <summary>A label with this ID was printed in an earlier batch.</summary>
    IssuedEarlier,
    /// <summary>The ID appears more than once in this batch (the first one is kept when skipping).</summary>
    RepeatedInBatch,
}

public sealed record LabelDuplicate(string PackId, DuplicateKind Kind, string Reason);

public sealed record PlannedLabel(string PackId, string Payload, int? Number, LabelDuplicate? Duplicate);

/// <summary>The batch as it would be generated: checked input, the labels in order and the duplicates flagged.</summary>
public sealed record LabelBatchPlan(
    IReadOnlyList<string> Errors,
    IReadOnlyList<PlannedLabel> Labels,
    string? Prefix,
    int WidthPixels,
    int Dpi,
    string? BaseUrl)
{
    public bool IsValid => Errors.Count == 0;
    public IReadOnlyList<LabelDuplicate> Duplicates => [.. Labels.Where(l => l.Duplicate is not null).Select(l => l.Duplicate!)];
    public IReadOnlyList<PlannedLabel> ToGenerate => [.. Labels.Where(l => l.Duplicate is null)];
    public double WidthMillimetres => WidthPixels * 25.4 / Dpi;

    public static LabelBatchPlan Invalid(IReadOnlyList<string> errors) => new(errors, [], null, 0, 300, null);
}

public enum LabelBatchOutcome
{
    Generated,
    Invalid,
    Duplicates,
    NothingToGenerate,
    /// <summary>Other batches held every turn for longer than the queue waits (BatteryMes:QrCodes:QueueWaitSeconds).</summary>
    Busy,
}

public sealed record LabelBatchResult(LabelBatchOutcome Outcome, string Message, LabelBatchPlan Plan, GeneratedBatch? Batch = null)
{
    public bool Succeeded => Outcome == LabelBatchOutcome.Generated;
}

public sealed record GeneratedLabel(string PackId, string Payload, string FileName);

/// <summary>A generated batch: its labels (files in <see cref="Folder"/>), the ZIP's path and where its files were saved.</summary>
public sealed record GeneratedBatch(
    string BatchId,
    string Folder,
    IReadOnlyList<GeneratedLabel> Labels,
    string ZipPath,
    string ZipFileName,
    string SheetHtml,
    int Skipped);

/// <summary>Where "Continue numbering" starts: <see cref="Start"/>, one after <see cref="HighestId"/> (the highest of the
/// labels issued and the packs registered with the prefix), or 1 when there is none.</summary>
public sealed record NextNumber(int Start, string? HighestId);
