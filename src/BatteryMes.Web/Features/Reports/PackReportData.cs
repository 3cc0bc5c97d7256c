using System.Globalization;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using System.Data.Common;
using Microsoft.Data.Sqlite;
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
            var end = clock.EndOfDayUtc(to);
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
    private static readonly IReadOnlyDictionary<string, CheckEntry> NoResults = new Dictionary<string, CheckEntry>();

    public async Task<PackReport?> ReadPackAsync(string packId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        packId = PackIdentifier.Canonical(packId);
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

    /// <summary>The packs of a filter in export order (pack row order), each with its stages and, when asked for, its
    /// check results: one query (<see cref="PackRowsQuery"/>) read row by row, a pack handed out when the next starts,
    /// so memory holds one pack at a time on SQLite and PostgreSQL alike.</summary>
    public async IAsyncEnumerable<PackReport> ReadAsync(PackFilter filter, bool withResults,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var command = PackRowsQuery.Command(db, filter, clock, withResults);
        await PackRowsQuery.OpenAsync(db, ct);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            PackRowsQuery.CheckShape(reader, withResults);
            PackReport? pack = null;
            Dictionary<int, StageReport>? stages = null;
            Dictionary<string, CheckEntry>? results = null;
            long stageRow = 0;
            while (await reader.ReadAsync(ct))
            {
                var packRow = reader.GetInt64(PackRowsQuery.PackRow);
                if (pack is null || pack.RowId != packRow)
                {
                    if (pack is not null) yield return pack;
                    stages = new Dictionary<int, StageReport>();
                    pack = new PackReport(packRow, reader.GetString(PackRowsQuery.PackId), PackRowsQuery.Text(reader, PackRowsQuery.ModuleXSerial),
                        PackRowsQuery.Text(reader, PackRowsQuery.ModuleYSerial), (PackStatus)reader.GetInt32(PackRowsQuery.PackStatus),
                        reader.GetInt32(PackRowsQuery.CurrentStage), PackRowsQuery.Time(reader, PackRowsQuery.Created)!.Value,
                        PackRowsQuery.Time(reader, PackRowsQuery.PackCompleted), stages);
                    stageRow = 0;
                }
                if (reader.IsDBNull(PackRowsQuery.StageRow)) continue;
                if (reader.GetInt64(PackRowsQuery.StageRow) != stageRow)
                {
                    stageRow = reader.GetInt64(PackRowsQuery.StageRow);
                    results = withResults ? new Dictionary<string, CheckEntry>(StringComparer.Ordinal) : null;
                    var number = reader.GetInt32(PackRowsQuery.StageNumber);
                    stages![number] = new StageReport(number, (StageStatus)reader.GetInt32(PackRowsQuery.StageStatus),
                        PackRowsQuery.Text(reader, PackRowsQuery.Technician), PackRowsQuery.Text(reader, PackRowsQuery.QcInspector),
                        PackRowsQuery.Text(reader, PackRowsQuery.Remarks), PackRowsQuery.Time(reader, PackRowsQuery.Started),
                        PackRowsQuery.Time(reader, PackRowsQuery.Completed), results ?? NoResults);
                }
                if (results is null || reader.IsDBNull(PackRowsQuery.CheckCode)) continue;
                var code = reader.GetString(PackRowsQuery.CheckCode);
                results[code] = new CheckEntry(code, (QcResult)reader.GetInt32(PackRowsQuery.ModuleX), (QcResult)reader.GetInt32(PackRowsQuery.ModuleY),
                    reader.IsDBNull(PackRowsQuery.MeasuredX) ? null : reader.GetDouble(PackRowsQuery.MeasuredX),
                    reader.IsDBNull(PackRowsQuery.MeasuredY) ? null : reader.GetDouble(PackRowsQuery.MeasuredY),
                    PackRowsQuery.Text(reader, PackRowsQuery.DeviationX), PackRowsQuery.Text(reader, PackRowsQuery.DeviationY),
                    PackRowsQuery.Text(reader, PackRowsQuery.CheckRemark));
            }
            if (pack is not null) yield return pack;
        }
        finally
        {
            await PackRowsQuery.CloseAsync(db);
        }
    }

    /// <summary>The export query's plan on SQLite (EXPLAIN QUERY PLAN), for the tests and the benchmark log.</summary>
    public async Task<string> ExplainAsync(PackFilter filter, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var command = PackRowsQuery.Command(db, filter, clock, withResults: true);
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await PackRowsQuery.OpenAsync(db, ct);
        try
        {
            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) lines.Add(reader.GetString(3));
            return string.Join('\n', lines);
        }
        finally
        {
            await PackRowsQuery.CloseAsync(db);
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
                .Select(r => new { r.StageRecordId, r.CheckCode, r.ModuleX, r.ModuleY, r.MeasuredX, r.MeasuredY, r.DeviationX, r.DeviationY, r.Remark })
                .ToListAsync(ct);
            foreach (var r in rows)
            {
                if (!results.TryGetValue(r.StageRecordId, out var byCode)) results[r.StageRecordId] = byCode = new(StringComparer.Ordinal);
                byCode[r.CheckCode] = new CheckEntry(r.CheckCode, r.ModuleX, r.ModuleY, r.MeasuredX, r.MeasuredY, r.DeviationX, r.DeviationY, r.Remark);
            }
        }
        var stagesByPack = stages.ToLookup(s => s.PackRowId);
        return heads.Select(h => new PackReport(h.Id, h.PackId, h.ModuleXSerial, h.ModuleYSerial, h.Status, h.CurrentStage, h.CreatedUtc, h.CompletedUtc,
                stagesByPack[h.Id].ToDictionary(s => s.StageNumber, s => new StageReport(s.StageNumber, s.Status, s.Technician, s.QcInspector, s.Remarks,
                    s.StartedUtc, s.CompletedUtc, results.TryGetValue(s.Id, out var r) ? r : NoResults))))
            .ToList();
    }
}

/// <summary>The one query behind the exports: the filter's packs, each with its stage records and their check results
/// (left joins, so a pack without records still comes), in pack order then stage order, as a plain command on the
/// context's connection. Readers read the columns by position (the constants below, in the projection's order) with no
/// tracking and no entities. On SQLite the plan is a scan of Packs in row order, then IX_StageRecords_PackRowId_StageNumber
/// and IX_CheckResults_StageRecordId_CheckCode: no sort, whatever the number of packs.</summary>
internal static class PackRowsQuery
{
    public const int PackRow = 0, PackId = 1, ModuleXSerial = 2, ModuleYSerial = 3, PackStatus = 4, CurrentStage = 5, Created = 6, PackCompleted = 7;
    public const int StageRow = 8, StageNumber = 9, StageStatus = 10, Technician = 11, QcInspector = 12, Remarks = 13, Started = 14, Completed = 15;
    public const int CheckCode = 16, ModuleX = 17, ModuleY = 18, MeasuredX = 19, MeasuredY = 20, DeviationX = 21, DeviationY = 22, CheckRemark = 23;
    private const int ColumnCount = 24;

    public static DbCommand Command(MesDbContext db, PackFilter filter, PlantClock clock, bool withResults)
    {
        var packs = filter.Apply(db.Packs.AsNoTracking(), clock);
        var command = (withResults
            ? from p in packs
              from s in db.StageRecords.Where(s => s.PackRowId == p.Id).DefaultIfEmpty()
              from r in db.CheckResults.Where(r => r.StageRecordId == s.Id).DefaultIfEmpty()
              orderby p.Id, s.StageNumber
              select new Row(p.Id, p.PackId, p.ModuleXSerial, p.ModuleYSerial, (int)p.Status, p.CurrentStage, p.CreatedUtc, p.CompletedUtc,
                  (long?)s.Id, (int?)s.StageNumber, (int?)s.Status, s.Technician, s.QcInspector, s.Remarks, s.StartedUtc, s.CompletedUtc,
                  r.CheckCode, (int?)r.ModuleX, (int?)r.ModuleY, r.MeasuredX, r.MeasuredY, r.DeviationX, r.DeviationY, r.Remark)
            : from p in packs
              from s in db.StageRecords.Where(s => s.PackRowId == p.Id).DefaultIfEmpty()
              orderby p.Id, s.StageNumber
              select new Row(p.Id, p.PackId, p.ModuleXSerial, p.ModuleYSerial, (int)p.Status, p.CurrentStage, p.CreatedUtc, p.CompletedUtc,
                  (long?)s.Id, (int?)s.StageNumber, (int?)s.Status, s.Technician, s.QcInspector, s.Remarks, s.StartedUtc, s.CompletedUtc,
                  null, null, null, null, null, null, null, null)).CreateDbCommand();
        // An export of 100,000 packs reads for minutes on a busy machine: no command time-out (the request's
        // cancellation still stops it).
        command.CommandTimeout = 0;
        return command;
    }

    /// <summary>The filter's packs alone, in row order: row ID, pack ID, module serials, status (in that order).</summary>
    public static DbCommand PacksCommand(MesDbContext db, PackFilter filter, PlantClock clock)
    {
        var command = filter.Apply(db.Packs.AsNoTracking(), clock)
            .OrderBy(p => p.Id)
            .Select(p => new { p.Id, p.PackId, p.ModuleXSerial, p.ModuleYSerial, Status = (int)p.Status })
            .CreateDbCommand();
        command.CommandTimeout = 0;
        return command;
    }

    /// <summary>Opens the context's connection for a raw read. Without statistics SQLite may build a temporary
    /// "automatic index" over all check results for the join (seconds, and temporary disk) instead of using
    /// IX_CheckResults_StageRecordId_CheckCode: switched off for this read, on again in <see cref="CloseAsync"/>.</summary>
    public static async Task OpenAsync(MesDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        if (db.Database.GetDbConnection() is SqliteConnection) await db.Database.ExecuteSqlRawAsync("PRAGMA automatic_index = OFF", ct);
    }

    public static async Task CloseAsync(MesDbContext db)
    {
        try
        {
            if (db.Database.GetDbConnection() is SqliteConnection) await db.Database.ExecuteSqlRawAsync("PRAGMA automatic_index = ON");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public static string? Text(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    /// <summary>Times are stored as UTC (the context's converter says so; a raw reader does not apply it).</summary>
    public static DateTime? Time(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : DateTime.SpecifyKind(reader.GetDateTime(column), DateTimeKind.Utc);

    /// <summary>The projection; EF writes its columns in this order (checked by <see cref="CheckShape"/>).</summary>
    private sealed record Row(long PackRow, string PackId, string? ModuleXSerial, string? ModuleYSerial, int PackStatus, int CurrentStage,
        DateTime CreatedUtc, DateTime? PackCompletedUtc,
        long? StageRow, int? StageNumber, int? StageStatus, string? Technician, string? QcInspector, string? Remarks, DateTime? StartedUtc, DateTime? CompletedUtc,
        string? CheckCode, int? ModuleX, int? ModuleY, double? MeasuredX, double? MeasuredY, string? DeviationX, string? DeviationY, string? CheckRemark);

    /// <summary>Fails loudly if the columns are not where the constants say (a provider or EF change).</summary>
    public static void CheckShape(DbDataReader reader, bool withResults)
    {
        if (reader.FieldCount < (withResults ? ColumnCount : CheckCode))
            throw new InvalidOperationException($"The export query returned {reader.FieldCount} columns, fewer than its readers expect.");
        if (!reader.GetName(StageRow).Contains("Id", StringComparison.OrdinalIgnoreCase) && !reader.GetName(StageRow).Contains("Row", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"The export query's column {StageRow} is '{reader.GetName(StageRow)}', not the stage record's row ID.");
    }
}
