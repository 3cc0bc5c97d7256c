using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>Plans, checks and generates batches of pack labels; records every issued ID so that no ID is printed
/// twice; saves each batch (PNGs, ZIP, printable sheet) in its own folder under BatteryMes:Folders:QrCodes.</summary>
public sealed partial class LabelBatchService(
    IDbContextFactory<MesDbContext> factory,
    IOptions<QrCodesOptions> qrOptions,
    IOptions<ServerOptions> serverOptions,
    IOptions<FolderOptions> folderOptions,
    AppHome home,
    TimeProvider clock,
    ILogger<LabelBatchService> logger)
{
    public const int MinPixels = QrCodesOptionsValidator.MinLabelPixels, MinDpi = 72, MaxDpi = 1200, MaxPadding = 12, MaxSecondLine = 40;
    public const double MaxWidthMillimetres = 150;
    public const int MaxBaseUrlLength = 400;
    private const int MaxErrorsShown = 10;

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true };

    public int MaxBatchSize => qrOptions.Value.MaxBatchSize;
    public int MaxPixels => qrOptions.Value.MaxLabelPixels;
    private long MaxBatchBytes => qrOptions.Value.MaxBatchMegabytes * 1024L * 1024;

    // Drawing a batch takes the cores and memory in proportion to its size: batches take turns.
    private readonly SemaphoreSlim _turns = new(qrOptions.Value.MaxConcurrentBatches);
    public string Root => home.Resolve(folderOptions.Value.QrCodes);

    [GeneratedRegex(@"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex BatchIdPattern();

    [GeneratedRegex(@"[^A-Za-z0-9._-]", RegexOptions.CultureInvariant)]
    private static partial Regex UrlUnsafe();

    /// <summary>Checks the request and flags duplicates without generating anything (the page's preview).
    /// <paramref name="requestBaseUrl"/> is used when neither the request nor the settings give a base URL.</summary>
    public async Task<LabelBatchPlan> PlanAsync(LabelBatchRequest request, string? requestBaseUrl, CancellationToken ct = default)
    {
        var errors = new List<string>();
        var ids = request.IsList ? ReadList(request.Ids!, errors) : ReadRange(request, errors);

        string? baseUrl = null;
        if (request.Payload == LabelPayload.EntryUrl)
        {
            var candidate = FirstNonEmpty(request.BaseUrl, serverOptions.Value.PublicBaseUrl, requestBaseUrl);
            if (candidate is null) errors.Add("There is no base URL for the label links. Enter the address devices reach Battery MES at (e.g. http://192.168.1.20:8501), or choose the bare pack ID as payload.");
            else if (CheckBaseUrl(candidate) is { } urlError) errors.Add(urlError);
            else baseUrl = candidate.TrimEnd('/');
        }

        var (width, dpi) = ReadSize(request, errors);
        if (request.SecondLine is { Length: > MaxSecondLine })
            errors.Add($"The second line is {request.SecondLine.Length} characters long; a label has room for {MaxSecondLine}.");
        if (errors.Count > 0) return LabelBatchPlan.Invalid(Trim(errors));

        var labels = ids.Select(i => (i.Id, i.Number, Payload: PayloadFor(i.Id, baseUrl))).ToList();

        // One code per batch decides the size check: the longest payload needs the most modules.
        var longest = labels.MaxBy(l => l.Payload.Length).Payload;
        var modules = LabelImage.ModuleCount(longest);
        if (width / modules < LabelImage.MinPixelsPerModule)
        {
            var needed = modules * LabelImage.MinPixelsPerModule;
            return LabelBatchPlan.Invalid([
                $"At {width} px wide, a code of {modules} modules gets {width / modules} px per module; a reliable scan needs {LabelImage.MinPixelsPerModule}. " +
                $"Make the label at least {needed} px ({Math.Ceiling(needed * 25.4 / dpi)} mm at {dpi} DPI) wide, raise the DPI, or encode the bare pack ID (a smaller code)."]);
        }

        // Every label of a batch comes out about the size of its first one (same width, same number of modules).
        var firstBytes = LabelImage.RenderPng(longest, labels[0].Id, request.SecondLine, width).Bytes.Length;
        var estimated = (long)(firstBytes * 1.1) * labels.Count;
        if (estimated > MaxBatchBytes)
            return LabelBatchPlan.Invalid([
                $"{labels.Count} labels of {width} px come to about {estimated / (1024 * 1024)} MB; a batch may hold {MaxBatchBytes / (1024 * 1024)} MB " +
                $"(setting {QrCodesOptions.Section}:MaxBatchMegabytes). Make fewer labels per batch or smaller labels."]);

        var duplicates = await FindDuplicatesAsync(labels.Select(l => l.Id).ToList(), ct);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var planned = new List<PlannedLabel>(labels.Count);
        foreach (var (id, number, payload) in labels)
        {
            var duplicate = !seen.Add(id)
                ? new LabelDuplicate(id, DuplicateKind.RepeatedInBatch, $"{id} appears more than once in this batch.")
                : duplicates.GetValueOrDefault(id);
            planned.Add(new PlannedLabel(id, payload, number, duplicate));
        }
        return new LabelBatchPlan([], planned, request.IsList ? null : request.Prefix ?? "", width, dpi, baseUrl);
    }

    /// <summary>Generates the batch: refuses it when the input is wrong or (unless SkipDuplicates) when any ID is a
    /// duplicate; otherwise draws the labels, records the issued IDs in one transaction, and saves the PNGs, the
    /// ZIP and the sheet in a folder of the batch's own.</summary>
    public async Task<LabelBatchResult> GenerateAsync(LabelBatchRequest request, string? requestBaseUrl, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var plan = await PlanAsync(request, requestBaseUrl, ct);
        var planned = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (!plan.IsValid)
            return new LabelBatchResult(LabelBatchOutcome.Invalid, string.Join(" ", plan.Errors), plan);
        if (plan.Duplicates.Count > 0 && !request.SkipDuplicates)
            return new LabelBatchResult(LabelBatchOutcome.Duplicates, DuplicatesMessage(plan.Duplicates), plan);
        var toGenerate = plan.ToGenerate;
        if (toGenerate.Count == 0)
            return new LabelBatchResult(LabelBatchOutcome.NothingToGenerate, "Every ID in this batch is a duplicate; no labels were generated.", plan);

        if (!await _turns.WaitAsync(TimeSpan.FromSeconds(qrOptions.Value.QueueWaitSeconds), ct))
        {
            logger.LogWarning("Label batch of {Count} labels refused: {Running} batches were being generated for {Seconds} s", toGenerate.Count,
                qrOptions.Value.MaxConcurrentBatches, qrOptions.Value.QueueWaitSeconds);
            return new LabelBatchResult(LabelBatchOutcome.Busy,
                "Other label batches are being generated right now and this one could not start in time. Nothing was generated; try again in a minute.", plan);
        }
        try
        {
            return await GenerateInTurnAsync(request, requestBaseUrl, plan, toGenerate, started, planned, ct);
        }
        finally
        {
            _turns.Release();
        }
    }

    private async Task<LabelBatchResult> GenerateInTurnAsync(LabelBatchRequest request, string? requestBaseUrl, LabelBatchPlan plan,
        IReadOnlyList<PlannedLabel> toGenerate, long started, TimeSpan planned, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var batchId = $"{now:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..22];
        // The batch is built in a staging folder that no URL can name (a batch ID never starts with '.') and gets its
        // real name only when complete: a batch folder is whole or absent, and a refused or failed batch leaves nothing.
        var staging = Path.Combine(Root, $".{batchId}.partial");
        try
        {
            Directory.CreateDirectory(staging);
            var heightPixels = 0;
            // Bounded to the cores less one: drawing is CPU work, more threads than cores only add switching, and one
            // core stays free for saves and pages while a big batch is drawn. Each label's file is written as soon as it is drawn and its bytes let go: a batch's memory is a
            // few labels, not the batch.
            Parallel.For(0, toGenerate.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount - 1) }, i =>
            {
                var png = LabelImage.RenderPng(toGenerate[i].Payload, toGenerate[i].PackId, request.SecondLine, plan.WidthPixels);
                File.WriteAllBytes(Path.Combine(staging, FileNameOf(toGenerate[i])), png.Bytes);
                if (i == 0) heightPixels = png.HeightPixels;
            });

            var rendered = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            try
            {
                await using var db = await factory.CreateDbContextAsync(ct);
                db.IssuedLabels.AddRange(toGenerate.Select(l => new IssuedLabel
                {
                    PackId = l.PackId, BatchId = batchId, Payload = l.Payload, Prefix = plan.Prefix?.ToUpperInvariant(), Number = l.Number, IssuedUtc = now,
                }));
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex)
            {
                // Another batch issued one of these IDs between the check and the save (unique index on PackId).
                if (!await HasDuplicatesNowAsync(toGenerate, ct)) throw;
                logger.LogWarning(ex, "Label batch {BatchId} lost a race for its IDs; checking duplicates again", batchId);
                var again = await PlanAsync(request, requestBaseUrl, ct);
                return new LabelBatchResult(LabelBatchOutcome.Duplicates, DuplicatesMessage(again.Duplicates), again);
            }

            var recorded = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var labels = toGenerate.Select(l => new GeneratedLabel(l.PackId, l.Payload, FileNameOf(l))).ToList();
            var manifest = new BatchManifest(batchId, now, plan.WidthPixels, heightPixels, plan.Dpi, $"labels-{batchId}.zip",
                [.. labels.Select(l => new ManifestLabel(l.PackId, l.Payload, l.FileName))]);
            var sheet = LabelSheet.Document(manifest);
            await ZipAsync(staging, manifest.ZipFileName, labels, sheet, ct);
            var folder = await SaveAsync(staging, manifest, sheet, ct);
            return Generated(plan, new GeneratedBatch(batchId, folder, labels, Path.Combine(folder, manifest.ZipFileName), manifest.ZipFileName, sheet, plan.Labels.Count - labels.Count),
                planned, rendered, recorded, started);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Staging folders younger than this may belong to a batch another app instance (one PostgreSQL database,
    /// one shared folder) is still writing; a batch takes seconds, so an older one was left by a crash.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    /// <summary>Removes the staging folders (<c>.&lt;batch&gt;.partial</c>) that a process stopped in the middle of a
    /// batch left behind: none of their IDs were recorded as issued unless the batch's database save had finished, and
    /// no URL names them. Called once at start (see <see cref="LabelStagingCleanup"/>). Returns how many were removed.</summary>
    public int RemoveAbandonedStaging()
    {
        if (!Directory.Exists(Root)) return 0;
        var cutoff = clock.GetUtcNow().UtcDateTime - AbandonedAfter;
        var removed = 0;
        foreach (var folder in Directory.EnumerateDirectories(Root, ".*.partial"))
        {
            if (Directory.GetLastWriteTimeUtc(folder) > cutoff) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
                removed++;
                logger.LogWarning("Removed the unfinished label batch folder {Folder}, left behind by a run that stopped while writing it", folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "Could not remove the unfinished label batch folder {Folder}; remove it by hand", folder);
            }
        }
        return removed;
    }

    private static string FileNameOf(PlannedLabel label) => label.PackId + ".png";

    private LabelBatchResult Generated(LabelBatchPlan plan, GeneratedBatch batch, TimeSpan planned, TimeSpan rendered, TimeSpan recorded, long started)
    {
        var (batchId, folder, skipped, labels) = (batch.BatchId, batch.Folder, batch.Skipped, batch.Labels);
        // Phase times (cumulative) show where a slow batch spends its time: checks, drawing, database, files.
        logger.LogInformation("Generated label batch {BatchId}: {Count} labels ({Skipped} duplicates skipped) in {Folder}; checked {PlanMs} ms, drawn {RenderMs} ms, recorded {RecordMs} ms, saved {TotalMs} ms",
            batchId, labels.Count, skipped, folder, (int)planned.TotalMilliseconds, (int)rendered.TotalMilliseconds, (int)recorded.TotalMilliseconds,
            (int)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var message = skipped > 0
            ? $"Generated {labels.Count} labels (batch {batchId}); {skipped} duplicates were skipped."
            : $"Generated {labels.Count} labels (batch {batchId}).";
        return new LabelBatchResult(LabelBatchOutcome.Generated, message, plan, batch);
    }

    private async Task<bool> HasDuplicatesNowAsync(IReadOnlyList<PlannedLabel> labels, CancellationToken ct) =>
        (await FindDuplicatesAsync([.. labels.Select(l => l.PackId)], ct)).Count > 0;

    /// <summary>The start number that continues the numbering of <paramref name="prefix"/>: one after the highest
    /// number among the labels issued and the packs registered as prefix + digits (IDs compared without regard to
    /// case: "bp-2026-" continues after BP-2026-0030), or 1.</summary>
    public async Task<int> NextStartNumberAsync(string? prefix, CancellationToken ct = default) =>
        (await NextNumberAsync(prefix, ct)).Start;

    public async Task<NextNumber> NextNumberAsync(string? prefix, CancellationToken ct = default)
    {
        prefix ??= "";
        var upper = prefix.ToUpperInvariant();
        await using var db = await factory.CreateDbContextAsync(ct);
        // Read as a stream: a year's packs may share one prefix, and only the highest number is kept.
        (int Number, string Id)? highest = null;
        void Consider(string id)
        {
            if (!id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || id.Length == prefix.Length || id.Length - prefix.Length > 10) return;
            var digits = id.AsSpan(prefix.Length);
            if (!digits.ContainsAnyExceptInRange('0', '9') && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && (highest is null || n > highest.Value.Number))
                highest = (n, id);
        }
        await foreach (var id in db.IssuedLabels.AsNoTracking().Where(l => l.PackId.ToUpper().StartsWith(upper)).Select(l => l.PackId).AsAsyncEnumerable().WithCancellation(ct))
            Consider(id);
        await foreach (var id in db.Packs.AsNoTracking().Where(p => p.PackId.ToUpper().StartsWith(upper)).Select(p => p.PackId).AsAsyncEnumerable().WithCancellation(ct))
            Consider(id);
        return highest is not { } h || h.Number == int.MaxValue ? new NextNumber(1, null) : new NextNumber(h.Number + 1, h.Id);
    }

    /// <summary>The saved description of a batch, or null when there is no such batch.</summary>
    public async Task<BatchManifest?> ReadBatchAsync(string batchId, CancellationToken ct = default) =>
        (await ReadSavedBatchAsync(batchId, ct))?.Manifest;

    /// <summary>Path of a file of a saved batch, or null when the batch or the file is not there. Only names listed
    /// in the batch are served, so no path from a URL reaches the disk unchecked.</summary>
    public async Task<string?> BatchFileAsync(string batchId, string fileName, CancellationToken ct = default)
    {
        var batch = await ReadSavedBatchAsync(batchId, ct);
        if (batch is null) return null;
        var known = fileName == batch.Manifest.ZipFileName || fileName == "sheet.html" || batch.Files.Contains(fileName);
        var path = known ? Path.Combine(BatchFolder(batchId)!, fileName) : null;
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>A saved batch's manifest and its label file names. The print view of a 1,000-label sheet asks for
    /// 1,000 PNGs at once; reading and parsing batch.json for each of them cost more than serving the files, so the
    /// manifests of the last few batches are kept (a saved batch never changes; a deleted one is checked on disk).</summary>
    private async Task<SavedBatch?> ReadSavedBatchAsync(string batchId, CancellationToken ct)
    {
        var folder = BatchFolder(batchId);
        var file = folder is null ? null : Path.Combine(folder, "batch.json");
        if (file is null || !File.Exists(file)) return null;
        if (_savedBatches.TryGetValue(batchId, out var cached)) return cached;
        await using var stream = File.OpenRead(file);
        var manifest = await JsonSerializer.DeserializeAsync<BatchManifest>(stream, ManifestJson, ct);
        return manifest is null ? null : Remember(manifest);
    }

    private SavedBatch Remember(BatchManifest manifest)
    {
        if (_savedBatches.Count >= SavedBatchesKept) _savedBatches.Clear();
        var saved = new SavedBatch(manifest, manifest.Labels.Select(l => l.File).ToHashSet(StringComparer.Ordinal));
        _savedBatches[manifest.BatchId] = saved;
        return saved;
    }

    private const int SavedBatchesKept = 16;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SavedBatch> _savedBatches = new(StringComparer.Ordinal);

    private sealed record SavedBatch(BatchManifest Manifest, HashSet<string> Files);

    public static string? CheckBaseUrl(string baseUrl)
    {
        var text = baseUrl.Trim();
        // The payload column holds 512 characters; the pack ID and "/entry/" need the rest.
        if (text.Length > MaxBaseUrlLength)
            return $"The base URL is {text.Length} characters long; the limit is {MaxBaseUrlLength}. Use the server's short LAN name or address.";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
            return $"The base URL '{EchoedInput.Display(text, 60)}' is not a web address. Enter the address devices reach Battery MES at, starting with http:// or https:// (e.g. http://192.168.1.20:8501).";
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            return $"The base URL '{EchoedInput.Display(text, 60)}' must not contain '?' or '#': give only the address, e.g. http://192.168.1.20:8501.";
        return null;
    }

    /// <summary>True for an address only this computer can reach (localhost, 127.x.x.x, ::1): labels must not encode it.</summary>
    public static bool IsLoopback(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip)));

    public static string PayloadFor(string packId, string? baseUrl) =>
        baseUrl is null ? packId : $"{baseUrl}/entry/{Uri.EscapeDataString(packId)}";

    public static string DuplicatesMessage(IReadOnlyList<LabelDuplicate> duplicates) =>
        $"{duplicates.Count} of the IDs are duplicates: {string.Join(", ", duplicates.Take(5).Select(d => d.PackId))}{(duplicates.Count > 5 ? " ..." : "")}. " +
        "Skip them to generate the rest, or cancel and change the batch.";

    private List<(string Id, int? Number)> ReadRange(LabelBatchRequest request, List<string> errors)
    {
        var prefix = request.Prefix ?? "";
        var unsafeChars = UrlUnsafe().Matches(prefix).Select(m => m.Value == " " ? "space" : $"'{EchoedInput.Display(m.Value, 1)}'").Distinct().ToList();
        if (unsafeChars.Count > 0)
            errors.Add($"The prefix '{EchoedInput.Display(prefix, 60)}' contains {string.Join(", ", unsafeChars)}, which cannot go in a label URL or a pack ID. Use letters, digits, '-', '_' or '.'.");
        if (request.Count is null or < 1)
            errors.Add($"Enter how many labels to make: 1 to {MaxBatchSize}.");
        else if (request.Count > MaxBatchSize)
            errors.Add($"A batch holds at most {MaxBatchSize} labels (setting {QrCodesOptions.Section}:MaxBatchSize); you asked for {request.Count}. Split it into several batches.");
        if (request.Start is null or < 0)
            errors.Add("Enter the start number (0 or more).");
        if (request.Padding is < 0 or > MaxPadding)
            errors.Add($"Zero-padding must be between 0 and {MaxPadding} digits.");
        if (errors.Count > 0) return [];
        if ((long)request.Start!.Value + request.Count!.Value - 1 > int.MaxValue)
        {
            errors.Add("The numbers of this batch run past the largest possible number; choose a smaller start number.");
            return [];
        }

        var ids = new List<(string, int?)>(request.Count.Value);
        for (var n = request.Start.Value; n < request.Start.Value + request.Count.Value; n++)
            ids.Add((PackIdentifier.Canonical(prefix + n.ToString(CultureInfo.InvariantCulture).PadLeft(request.Padding, '0')), n));
        // Every ID shares the prefix and grows only in length, so the first and the last decide validity.
        foreach (var id in new[] { ids[0].Item1, ids[^1].Item1 }.Distinct())
            if (PackIdentifier.Validate(id) is { } error) errors.Add(error);
        return errors.Count > 0 ? [] : ids;
    }

    private List<(string Id, int? Number)> ReadList(List<string> raw, List<string> errors)
    {
        var ids = raw.Select(r => r?.Trim() ?? "").Where(r => r.Length > 0).ToList();
        if (ids.Count == 0) errors.Add($"The list of IDs is empty. Enter one pack ID per line (1 to {MaxBatchSize}).");
        else if (ids.Count > MaxBatchSize)
            errors.Add($"A batch holds at most {MaxBatchSize} labels (setting {QrCodesOptions.Section}:MaxBatchSize); the list has {ids.Count}. Split it into several batches.");
        for (var i = 0; i < ids.Count; i++)
            if (PackIdentifier.Validate(ids[i]) is { } error) errors.Add($"ID {i + 1}: {error}");
        // Pack IDs are one whatever their case: "bp-1" and "BP-1" in one list are the same label.
        return errors.Count > 0 ? [] : [.. ids.Select(id => (PackIdentifier.Canonical(id), (int?)null))];
    }

    private (int Width, int Dpi) ReadSize(LabelBatchRequest request, List<string> errors)
    {
        if (request.Dpi is < MinDpi or > MaxDpi)
        {
            errors.Add($"The DPI must be between {MinDpi} and {MaxDpi} (label printers are usually 203, 300 or 600).");
            return (0, 300);
        }
        var width = request.Unit == LabelSizeUnit.Millimetres
            ? (int)Math.Round(request.Size / 25.4 * request.Dpi)
            : (int)Math.Round(request.Size);
        if (double.IsNaN(request.Size) || width < MinPixels || width > MaxPixels)
        {
            errors.Add(request.Unit == LabelSizeUnit.Millimetres
                ? $"A label of {request.Size.ToString("0.#", CultureInfo.InvariantCulture)} mm at {request.Dpi} DPI is {width} px wide; the size must come to between {MinPixels} and {MaxPixels} px."
                : $"The label size must be between {MinPixels} and {MaxPixels} pixels (setting {QrCodesOptions.Section}:MaxLabelPixels; found {request.Size.ToString("0.#", CultureInfo.InvariantCulture)}).");
            return (0, request.Dpi);
        }
        if (width * 25.4 / request.Dpi > MaxWidthMillimetres)
            errors.Add($"At {request.Dpi} DPI a label of {width} px prints {width * 25.4 / request.Dpi:0} mm wide; the A4 sheet takes labels up to {MaxWidthMillimetres:0} mm. Make it smaller or raise the DPI.");
        return (width, request.Dpi);
    }

    private async Task<Dictionary<string, LabelDuplicate>> FindDuplicatesAsync(List<string> ids, CancellationToken ct)
    {
        var found = new Dictionary<string, LabelDuplicate>(StringComparer.Ordinal);
        await using var db = await factory.CreateDbContextAsync(ct);
        // Chunks keep the IN list well under every provider's parameter limit.
        foreach (var chunk in ids.Distinct().Chunk(500))
        {
            var issued = await db.IssuedLabels.AsNoTracking().Where(l => chunk.Contains(l.PackId))
                .Select(l => new { l.PackId, l.BatchId, l.IssuedUtc }).ToListAsync(ct);
            foreach (var l in issued)
                found[l.PackId] = new LabelDuplicate(l.PackId, DuplicateKind.IssuedEarlier, $"A label for {l.PackId} was already issued in batch {l.BatchId}.");
            var packs = await db.Packs.AsNoTracking().Where(p => chunk.Contains(p.PackId)).Select(p => p.PackId).ToListAsync(ct);
            // A recorded pack outranks an earlier label: it is the stronger reason not to print the ID again.
            foreach (var p in packs)
                found[p] = new LabelDuplicate(p, DuplicateKind.ExistingPack, $"Pack {p} already exists.");
        }
        return found;
    }

    /// <summary>Writes the ZIP straight to its file from the label files already on disk: the archive never sits in memory.</summary>
    private static async Task ZipAsync(string staging, string zipFileName, IReadOnlyList<GeneratedLabel> labels, string sheet, CancellationToken ct)
    {
        await using var file = new FileStream(Path.Combine(staging, zipFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        await using var archive = new ZipArchive(file, ZipArchiveMode.Create);
        // PNGs are already compressed: storing them is as small and far faster.
        foreach (var label in labels)
            await archive.CreateEntryFromFileAsync(Path.Combine(staging, label.FileName), label.FileName, CompressionLevel.NoCompression, ct);
        await using var sheetEntry = await archive.CreateEntry("sheet.html", CompressionLevel.Optimal).OpenAsync(ct);
        await sheetEntry.WriteAsync(Encoding.UTF8.GetBytes(sheet), ct);
    }

    /// <summary>Completes the staged batch (its PNGs and ZIP are there already) with the sheet and batch.json, and
    /// gives the folder its batch name.</summary>
    private async Task<string> SaveAsync(string staging, BatchManifest manifest, string sheet, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(staging, "sheet.html"), sheet, ct);
        await File.WriteAllTextAsync(Path.Combine(staging, "batch.json"), JsonSerializer.Serialize(manifest, ManifestJson), ct);
        var folder = BatchFolder(manifest.BatchId)!;
        Directory.Move(staging, folder);
        Remember(manifest);
        return folder;
    }

    private string? BatchFolder(string batchId) => BatchIdPattern().IsMatch(batchId) ? Path.Combine(Root, batchId) : null;

    private static List<string> Trim(List<string> errors) =>
        errors.Count <= MaxErrorsShown ? errors : [.. errors.Take(MaxErrorsShown), $"... and {errors.Count - MaxErrorsShown} more problems."];

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}

/// <summary>At start, clears away the label staging folders a crash left behind (see
/// <see cref="LabelBatchService.RemoveAbandonedStaging"/>).</summary>
internal sealed class LabelStagingCleanup(LabelBatchService labels) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        labels.RemoveAbandonedStaging();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
