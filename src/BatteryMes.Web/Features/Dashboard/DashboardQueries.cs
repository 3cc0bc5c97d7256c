using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>Read side of the dashboard. Every figure comes from the status columns that <see cref="DataEntry.PackRecorder"/>
/// keeps (computed by <see cref="StatusRules"/>), never from rules of its own, and every query is shaped to run on
/// an existing index so that a year of production (100,000 packs) stays fast. One short-lived context per call.</summary>
public sealed class DashboardQueries(IDbContextFactory<MesDbContext> contexts, ProcessRoute route, PlantClock clock,
    Microsoft.Extensions.Options.IOptions<DashboardOptions> options)
{
    private readonly PlantCalendar _calendar = PlantCalendar.Parse(options.Value.WorkingDays);

    public const int MaxPageSize = 200;
    public const int FailingChecksShown = 10;

    /// <summary>Headline, stages, plan (this week), quality (this week) and the first tracker page, in one go.</summary>
    public async Task<DashboardFirstScreen> GetFirstScreenAsync(TrackerQuery? tracker = null, CancellationToken ct = default)
    {
        var (headline, stages) = await GetLineAsync(ct);
        var plan = await GetPlanVsActualAsync(DashboardPeriod.Week, ct);
        var quality = await GetQualityAsync(DashboardPeriod.Week, ct);
        var page = await GetTrackerPageAsync(tracker ?? new TrackerQuery(), ct);
        return new DashboardFirstScreen(headline, stages, plan, quality, page, clock.UtcNow);
    }

    /// <summary>Headline numbers and the load of each stage. Counts come from the (Status, CurrentStage) index alone.</summary>
    public async Task<(HeadlineNumbers Headline, IReadOnlyList<StageLoad> Stages)> GetLineAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var counts = await db.Packs.AsNoTracking()
            .GroupBy(p => new { p.Status, p.CurrentStage })
            .Select(g => new { g.Key.Status, g.Key.CurrentStage, Count = g.Count() })
            .ToListAsync(ct);
        // Only packs still on the line: the ready-for-dispatch bulk of a year's production is never read here.
        var oldest = await db.Packs.AsNoTracking()
            .Where(p => p.Status == PackStatus.NotStarted || p.Status == PackStatus.InProcess || p.Status == PackStatus.QcIssues)
            .GroupBy(p => p.CurrentStage)
            .Select(g => new { Stage = g.Key, Oldest = g.Min(p => p.UpdatedUtc) })
            .ToListAsync(ct);
        var (todayStart, tomorrowStart) = DayBounds(clock.Today);
        var completedToday = await db.Packs.AsNoTracking()
            .CountAsync(p => p.CompletedUtc >= todayStart && p.CompletedUtc < tomorrowStart, ct);

        int Count(PackStatus status) => counts.Where(c => c.Status == status).Sum(c => c.Count);
        var headline = new HeadlineNumbers(Count(PackStatus.InProcess), completedToday, Count(PackStatus.ReadyForDispatch),
            Count(PackStatus.QcIssues), Count(PackStatus.NotStarted));
        var stages = route.Stages.Select(s => new StageLoad(
                s.Number,
                s.Name,
                counts.Where(c => c.CurrentStage == s.Number && c.Status != PackStatus.ReadyForDispatch).Sum(c => c.Count),
                counts.Where(c => c.CurrentStage == s.Number && c.Status == PackStatus.QcIssues).Sum(c => c.Count),
                oldest.FirstOrDefault(o => o.Stage == s.Number)?.Oldest))
            .ToList();
        return (headline, stages);
    }

    public static (DateOnly From, DateOnly To) PeriodDays(DashboardPeriod period, DateOnly today) => period switch
    {
        // The plant's week starts on Monday.
        DashboardPeriod.Week => (today.AddDays(-(((int)today.DayOfWeek + 6) % 7)), today.AddDays(-(((int)today.DayOfWeek + 6) % 7) + 6)),
        _ => (new DateOnly(today.Year, today.Month, 1), new DateOnly(today.Year, today.Month, 1).AddMonths(1).AddDays(-1)),
    };

    public Task<PlanVsActual> GetPlanVsActualAsync(DashboardPeriod period, CancellationToken ct = default)
    {
        var (from, to) = PeriodDays(period, clock.Today);
        return GetPlanVsActualAsync(from, to, ct);
    }

    /// <summary>Target per plant-local working day (the latest target whose EffectiveFrom is on or before the day; 0 on
    /// a day off, see <see cref="PlantCalendar"/>) against the
    /// packs that reached Ready for Dispatch that day (Pack.CompletedUtc: the last stage's completion, set only while
    /// every stage is completed), with running totals.</summary>
    public async Task<PlanVsActual> GetPlanVsActualAsync(DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        if (to < from) (from, to) = (to, from);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var targets = await TargetsInForceAsync(db, from, to, ct);
        var (startUtc, _) = DayBounds(from);
        var (_, endUtc) = DayBounds(to);
        var completions = await db.Packs.AsNoTracking()
            .Where(p => p.CompletedUtc >= startUtc && p.CompletedUtc < endUtc)
            .Select(p => p.CompletedUtc!.Value)
            .ToListAsync(ct);
        var perDay = completions.GroupBy(c => DateOnly.FromDateTime(clock.ToLocal(c))).ToDictionary(g => g.Key, g => g.Count());

        var days = new List<PlanDay>();
        int cumulativeTarget = 0, cumulativeActual = 0;
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var target = _calendar.TargetOn(day, TargetOn(targets, day));
            var actual = perDay.GetValueOrDefault(day);
            cumulativeTarget += target;
            cumulativeActual += actual;
            days.Add(new PlanDay(day, target, actual, cumulativeTarget, cumulativeActual));
        }
        var today = clock.Today;
        var targetToday = _calendar.TargetOn(today,
            today >= from && today <= to ? TargetOn(targets, today) : TargetOn(await TargetsInForceAsync(db, today, today, ct), today));
        return new PlanVsActual(from, to, days, targetToday) { Today = today };
    }

    /// <summary>First-pass yield per stage over the period and the checks holding the most NOT OK results now
    /// (read through the partial index IX_CheckResults_NotOk).</summary>
    public async Task<QualityFigures> GetQualityAsync(DashboardPeriod period, CancellationToken ct = default)
    {
        var (from, to) = PeriodDays(period, clock.Today);
        var (startUtc, _) = DayBounds(from);
        var (_, endUtc) = DayBounds(to);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var yields = new List<StageYield>();
        foreach (var stage in route.Stages)
        {
            // One range read per stage on (StageNumber, CompletedUtc), then one on (StageNumber, Status) for the
            // records a NOT OK holds now (they cannot be completed, so the first read never sees them).
            var finished = await db.StageRecords.AsNoTracking()
                .Where(s => s.StageNumber == stage.Number && s.CompletedUtc >= startUtc && s.CompletedUtc < endUtc && s.Status != StageStatus.QcNotOk)
                .GroupBy(s => s.HadNotOk)
                .Select(g => new { HadNotOk = g.Key, Count = g.Count() })
                .ToListAsync(ct);
            var heldNow = await db.StageRecords.AsNoTracking()
                .CountAsync(s => s.StageNumber == stage.Number && s.Status == StageStatus.QcNotOk, ct);
            var firstPass = finished.Where(f => !f.HadNotOk).Sum(f => f.Count);
            yields.Add(new StageYield(stage.Number, stage.Name, finished.Sum(f => f.Count) + heldNow, firstPass));
        }

        var failing = await db.CheckResults.AsNoTracking()
            .Where(r => r.ModuleX == QcResult.NotOk || r.ModuleY == QcResult.NotOk)
            .GroupBy(r => r.CheckCode)
            .Select(g => new { Code = g.Key, Count = g.Count() })
            .OrderByDescending(g => g.Count).ThenBy(g => g.Code)
            .Take(FailingChecksShown)
            .ToListAsync(ct);
        var checks = failing.Select(f => new FailingCheck(f.Code, route.StageOfCheck(f.Code)?.Number ?? 0,
            route.FindCheck(f.Code)?.Description ?? "(no longer in the route)", f.Count)).ToList();
        // Deviations saved in the period, through the partial index IX_CheckResults_Deviation.
        var deviations = db.CheckResults.AsNoTracking()
            .Where(r => (r.DeviationX != null || r.DeviationY != null) && r.UpdatedUtc >= startUtc && r.UpdatedUtc < endUtc);
        var deviationCount = await deviations.CountAsync(ct);
        var newest = await deviations.OrderByDescending(r => r.UpdatedUtc).Take(FailingChecksShown)
            .Select(r => new { r.StageRecord.Pack.PackId, r.CheckCode, r.ModuleX, r.ModuleY, r.MeasuredX, r.MeasuredY, r.DeviationX, r.DeviationY, r.UpdatedUtc })
            .ToListAsync(ct);
        var rows = newest.SelectMany(r => new[]
        {
            r.DeviationX is null ? null : new DeviationRow(r.PackId, r.CheckCode, Module.X, r.ModuleX.ToText(), r.MeasuredX, r.DeviationX, r.UpdatedUtc),
            r.DeviationY is null ? null : new DeviationRow(r.PackId, r.CheckCode, Module.Y, r.ModuleY.ToText(), r.MeasuredY, r.DeviationY, r.UpdatedUtc),
        }).OfType<DeviationRow>().ToList();
        return new QualityFigures(yields, checks) { Deviations = rows, DeviationCount = deviationCount };
    }

    /// <summary>One page of the tracker, filtered and sorted in the database; stage cells are read for that page only
    /// (on the unique (PackRowId, StageNumber) index).</summary>
    public async Task<TrackerPage> GetTrackerPageAsync(TrackerQuery query, CancellationToken ct = default)
    {
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var pageIndex = Math.Max(0, query.Page);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var packs = db.Packs.AsNoTracking().AsQueryable();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToUpperInvariant();
            packs = packs.Where(p => p.PackId.ToUpper().Contains(term));
        }
        if (query.Status is { } status) packs = packs.Where(p => p.Status == status);
        if (query.Stage is { } stage) packs = packs.Where(p => p.CurrentStage == stage);
        if (query.RegisteredFrom is { } fromDay)
        {
            var fromUtc = DayBounds(fromDay).Start;
            packs = packs.Where(p => p.CreatedUtc >= fromUtc);
        }
        if (query.RegisteredTo is { } toDay)
        {
            var toUtc = DayBounds(toDay).End;
            packs = packs.Where(p => p.CreatedUtc < toUtc);
        }

        var total = await packs.CountAsync(ct);
        var sorted = (query.Sort, query.Descending) switch
        {
            (TrackerSort.PackId, false) => packs.OrderBy(p => p.PackId),
            (TrackerSort.PackId, true) => packs.OrderByDescending(p => p.PackId),
            (TrackerSort.Registered, false) => packs.OrderBy(p => p.CreatedUtc).ThenBy(p => p.Id),
            (TrackerSort.Registered, true) => packs.OrderByDescending(p => p.CreatedUtc).ThenByDescending(p => p.Id),
            (TrackerSort.Status, false) => packs.OrderBy(p => p.Status).ThenBy(p => p.CurrentStage).ThenBy(p => p.PackId),
            (TrackerSort.Status, true) => packs.OrderByDescending(p => p.Status).ThenByDescending(p => p.CurrentStage).ThenBy(p => p.PackId),
            (TrackerSort.CurrentStage, false) => packs.OrderBy(p => p.CurrentStage).ThenBy(p => p.PackId),
            (TrackerSort.CurrentStage, true) => packs.OrderByDescending(p => p.CurrentStage).ThenBy(p => p.PackId),
            (TrackerSort.Completed, false) => packs.OrderBy(p => p.CompletedUtc).ThenBy(p => p.Id),
            (TrackerSort.Completed, true) => packs.OrderByDescending(p => p.CompletedUtc).ThenByDescending(p => p.Id),
            (_, false) => packs.OrderBy(p => p.UpdatedUtc).ThenBy(p => p.Id),
            (_, true) => packs.OrderByDescending(p => p.UpdatedUtc).ThenByDescending(p => p.Id),
        };
        var rows = await sorted.Skip(pageIndex * pageSize).Take(pageSize)
            .Select(p => new { p.Id, p.PackId, p.Status, p.CurrentStage, p.CreatedUtc, p.UpdatedUtc, p.CompletedUtc })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var cells = ids.Count == 0 ? [] : await db.StageRecords.AsNoTracking()
            .Where(s => ids.Contains(s.PackRowId))
            .Select(s => new { s.PackRowId, s.StageNumber, s.Status })
            .ToListAsync(ct);
        var byPack = cells.GroupBy(c => c.PackRowId)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<int, StageStatus>)g.ToDictionary(c => c.StageNumber, c => c.Status));
        var result = rows.Select(r => new TrackerRow(r.PackId, r.Status, r.CurrentStage, r.CreatedUtc, r.UpdatedUtc, r.CompletedUtc,
            byPack.GetValueOrDefault(r.Id) ?? new Dictionary<int, StageStatus>())).ToList();
        return new TrackerPage(result, total, pageIndex, pageSize);
    }

    private (DateTime Start, DateTime End) DayBounds(DateOnly day) => (clock.StartOfDayUtc(day), clock.EndOfDayUtc(day));

    /// <summary>The target in force at <paramref name="from"/> and every later one up to <paramref name="to"/>, oldest first.</summary>
    internal static async Task<List<ProductionTarget>> TargetsInForceAsync(MesDbContext db, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var inForce = await db.ProductionTargets.AsNoTracking()
            .Where(t => t.EffectiveFrom <= from).OrderByDescending(t => t.EffectiveFrom).Take(1).ToListAsync(ct);
        var later = await db.ProductionTargets.AsNoTracking()
            .Where(t => t.EffectiveFrom > from && t.EffectiveFrom <= to).OrderBy(t => t.EffectiveFrom).ToListAsync(ct);
        return [.. inForce, .. later];
    }

    internal static int TargetOn(IReadOnlyList<ProductionTarget> ascending, DateOnly day) =>
        ascending.LastOrDefault(t => t.EffectiveFrom <= day)?.PacksPerDay ?? 0;
}
