using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Reports;

/// <summary>The search of the Reports page, also taken by the master workbook and the CSV as query parameters
/// (q, status, stage, technician, from, to). Stage means the stage a pack is at now; the dates are plant-local
/// days on which the pack was created, both ends included.</summary>
public sealed record PackFilter(string? Query = null, PackStatus? Status = null, int? Stage = null, string? Technician = null, DateOnly? From = null, DateOnly? To = null)
{
    public const int MaxTextLength = 100;
    public static readonly PackFilter All = new();

    public bool IsEmpty => this == All;

    /// <summary>Reads the filter from query-string values. On failure <paramref name="error"/> says every wrong value.</summary>
    public static bool TryParse(string? q, string? status, string? stage, string? technician, string? from, string? to, ProcessRoute route,
        out PackFilter filter, out string? error)
    {
        var errors = new List<string>();
        filter = All;
        q = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        technician = string.IsNullOrWhiteSpace(technician) ? null : technician.Trim();
        if (q?.Length > MaxTextLength) errors.Add($"The pack ID search 'q' is {q.Length} characters long; the limit is {MaxTextLength}.");
        if (technician?.Length > MaxTextLength) errors.Add($"The technician search is {technician.Length} characters long; the limit is {MaxTextLength}.");

        PackStatus? packStatus = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (StatusText.TryParsePack(status, out var s)) packStatus = s;
            else errors.Add($"Status '{status}' is unknown; use one of: {string.Join(", ", Enum.GetValues<PackStatus>().Select(v => v.ToText()))}.");
        }
        int? stageNumber = null;
        if (!string.IsNullOrWhiteSpace(stage))
        {
            if (int.TryParse(stage, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && route.FindStage(n) is not null) stageNumber = n;
            else errors.Add($"Stage '{stage}' is not a stage of the route; use a number from {route.FirstStage.Number} to {route.LastStage.Number}.");
        }
        var fromDay = ReadDay("from", from, errors);
        var toDay = ReadDay("to", to, errors);
        if (fromDay is { } f && toDay is { } t && f > t) errors.Add($"The date range starts ({f:yyyy-MM-dd}) after it ends ({t:yyyy-MM-dd}).");

        if (errors.Count > 0)
        {
            error = string.Join(" ", errors);
            return false;
        }
        filter = new PackFilter(q, packStatus, stageNumber, technician, fromDay, toDay);
        error = null;
        return true;
    }

    private static DateOnly? ReadDay(string name, string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        errors.Add($"'{name}' must be a date written as yyyy-MM-dd (found '{text}').");
        return null;
    }

    /// <summary>The same filter as a query string for the download links ("" when nothing is filtered).</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        void Add(string key, string? value) { if (!string.IsNullOrEmpty(value)) parts.Add($"{key}={Uri.EscapeDataString(value)}"); }
        Add("q", Query);
        Add("status", Status?.ToString());
        Add("stage", Stage?.ToString(CultureInfo.InvariantCulture));
        Add("technician", Technician);
        Add("from", From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    /// <summary>Plain words for the top of an export: which packs it holds.</summary>
    public string Describe()
    {
        if (IsEmpty) return "All packs";
        var parts = new List<string>();
        if (Query is not null) parts.Add($"pack ID contains '{Query}'");
        if (Status is { } s) parts.Add($"status {s.ToText()}");
        if (Stage is { } n) parts.Add($"at stage {n}");
        if (Technician is not null) parts.Add($"technician contains '{Technician}'");
        if (From is { } f) parts.Add($"created from {f:yyyy-MM-dd}");
        if (To is { } t) parts.Add($"created to {t:yyyy-MM-dd}");
        return "Packs with " + string.Join(", ", parts);
    }

    public IQueryable<Pack> Apply(IQueryable<Pack> packs, PlantClock clock)
    {
        if (Query is { } q)
        {
            var upper = q.ToUpperInvariant();
            packs = packs.Where(p => p.PackId.ToUpper().Contains(upper));
        }
        if (Status is { } status) packs = packs.Where(p => p.Status == status);
        if (Stage is { } stage) packs = packs.Where(p => p.CurrentStage == stage);
        if (Technician is { } t)
        {
            var lower = t.ToLowerInvariant();
            packs = packs.Where(p => p.Stages.Any(s => s.Technician != null && s.Technician.ToLower().Contains(lower)));
        }
        if (From is { } from)
        {
            var start = clock.StartOfDayUtc(from);
            packs = packs.Where(p => p.CreatedUtc >= start);
        }
        if (To is { } to)
        {
            var end = clock.StartOfDayUtc(to.AddDays(1));
            packs = packs.Where(p => p.CreatedUtc < end);
        }
        return packs;
    }
}

/// <summary>One stage of one pack as the reports show it.</summary>
public sealed record StageReport(int StageNumber, StageStatus Status, string? Technician, string? QcInspector, string? Remarks,
    DateTime? StartedUtc, DateTime? CompletedUtc, IReadOnlyDictionary<string, CheckEntry> Results);

/// <summary>One pack with its stages (and, when asked for, its check results).</summary>
public sealed record PackReport(long RowId, string PackId, string? ModuleXSerial, string? ModuleYSerial, PackStatus Status, int CurrentStage,
    DateTime CreatedUtc, DateTime? CompletedUtc, IReadOnlyDictionary<int, StageReport> Stages)
{
    public StageReport? Stage(int number) => Stages.GetValueOrDefault(number);
}

/// <summary>Reads packs for the reports in batches (keyset pages of packs, then their stages and results in two
/// queries), so that an export of 100,000 packs runs in bounded memory on SQLite and PostgreSQL alike.</summary>
public sealed class PackReportReader(IDbContextFactory<MesDbContext> contexts, PlantClock clock)
{
    public const int DefaultBatchSize = 500;
    private static readonly IReadOnlyDictionary<string, CheckEntry> NoResults = new Dictionary<string, CheckEntry>();

    public async Task<PackReport?> ReadPackAsync(string packId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Packs.AsNoTracking().Where(p => p.PackId == packId).Select(p => p.Id).FirstOrDefaultAsync(ct);
        if (row == 0) return null;
        var batch = await ReadBatchAsync(db, db.Packs.AsNoTracking().Where(p => p.Id == row), withResults: true, 1, ct);
        return batch.FirstOrDefault();
    }

    public async Task<int> CountAsync(PackFilter filter, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await filter.Apply(db.Packs.AsNoTracking(), clock).CountAsync(ct);
    }

    /// <summary>The first packs of a filter, in export order, without check results (for the Reports page list).</summary>
    public async Task<IReadOnlyList<PackReport>> ListAsync(PackFilter filter, int take, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await ReadBatchAsync(db, filter.Apply(db.Packs.AsNoTracking(), clock), withResults: false, take, ct);
    }

    public async IAsyncEnumerable<PackReport> ReadAsync(PackFilter filter, bool withResults, int batchSize = DefaultBatchSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        long after = 0;
        while (true)
        {
            List<PackReport> batch;
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                var page = filter.Apply(db.Packs.AsNoTracking(), clock).Where(p => p.Id > after);
                batch = await ReadBatchAsync(db, page, withResults, batchSize, ct);
            }
            foreach (var pack in batch) yield return pack;
            if (batch.Count < batchSize) yield break;
            after = batch[^1].RowId;
        }
    }

    private static async Task<List<PackReport>> ReadBatchAsync(MesDbContext db, IQueryable<Pack> packs, bool withResults, int take, CancellationToken ct)
    {
        var heads = await packs.OrderBy(p => p.Id).Take(take)
            .Select(p => new { p.Id, p.PackId, p.ModuleXSerial, p.ModuleYSerial, p.Status, p.CurrentStage, p.CreatedUtc, p.CompletedUtc })
            .ToListAsync(ct);
        if (heads.Count == 0) return [];
        var ids = heads.Select(h => h.Id).ToList();
        var stages = await db.StageRecords.AsNoTracking().Where(s => ids.Contains(s.PackRowId))
            .Select(s => new { s.Id, s.PackRowId, s.StageNumber, s.Status, s.Technician, s.QcInspector, s.Remarks, s.StartedUtc, s.CompletedUtc })
            .ToListAsync(ct);
        var results = new Dictionary<long, Dictionary<string, CheckEntry>>();
        if (withResults && stages.Count > 0)
        {
            var rows = await db.CheckResults.AsNoTracking().Where(r => ids.Contains(r.StageRecord.PackRowId))
                .Select(r => new { r.StageRecordId, r.CheckCode, r.ModuleX, r.ModuleY, r.MeasuredX, r.MeasuredY })
                .ToListAsync(ct);
            foreach (var r in rows)
            {
                if (!results.TryGetValue(r.StageRecordId, out var byCode)) results[r.StageRecordId] = byCode = new(StringComparer.Ordinal);
                byCode[r.CheckCode] = new CheckEntry(r.CheckCode, r.ModuleX, r.ModuleY, r.MeasuredX, r.MeasuredY);
            }
        }
        var stagesByPack = stages.ToLookup(s => s.PackRowId);
        return heads.Select(h => new PackReport(h.Id, h.PackId, h.ModuleXSerial, h.ModuleYSerial, h.Status, h.CurrentStage, h.CreatedUtc, h.CompletedUtc,
                stagesByPack[h.Id].ToDictionary(s => s.StageNumber, s => new StageReport(s.StageNumber, s.Status, s.Technician, s.QcInspector, s.Remarks,
                    s.StartedUtc, s.CompletedUtc, results.TryGetValue(s.Id, out var r) ? r : NoResults))))
            .ToList();
    }
}
