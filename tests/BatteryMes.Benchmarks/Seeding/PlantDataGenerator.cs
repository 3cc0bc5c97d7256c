using System.Globalization;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;

namespace BatteryMes.Benchmarks.Seeding;

/// <summary>What to generate: how many packs, the year they span, and the random seed (same plan, same data).</summary>
public sealed record SeedPlan(int Packs, DateTime EndUtc, int RandomSeed = 2026)
{
    /// <summary>Raise when the generated data changes shape: cached seed databases carry it in their name.</summary>
    public const int GeneratorVersion = 1;

    /// <summary>The newest packs are held at "stages 1 to 6 completed, stage 7 not started" so that a benchmark can
    /// save a full stage 7 on a pack the route allows (and put it back afterwards).</summary>
    public int WaitingAtPackAssembly => Math.Clamp(Packs / 100, 1, 64);

    /// <summary>A fixed end time (midnight UTC of the seeding day): the seed is repeatable within a day.</summary>
    public static SeedPlan For(int packs) => new(packs, DateTime.SpecifyKind(DateTime.UtcNow.Date, DateTimeKind.Utc));
}

/// <summary>One pack as the app would have stored it after a life on the line, with its stage records, check
/// results, audit rows and issued label. The entity classes are used as plain rows: nothing is tracked by EF.</summary>
public sealed record GeneratedPack(Pack Pack, IReadOnlyList<StageRecord> Stages, IReadOnlyList<AuditEntry> Audit, IssuedLabel Label);

/// <summary>Generates a year of realistic shop-floor data: packs spread over 365 days, older packs through all 8
/// stages, recent ones part-way, about 4 % of stage records reworked (a NOT OK later corrected, so HadNotOk stays
/// set), about 2 % of packs stuck with an unresolved NOT OK, a few abandoned part-way, measured values around the
/// middle of their limits, N/A on some checks, technicians, QC inspectors and remarks.
/// Every stored status (stage, pack, current stage, completion) is computed by <see cref="StatusRules"/>.
///
/// The audit log is thinned on purpose: the app writes one row per changed field (about 130 per pack);
/// the generator writes the rows that matter for history and reports (create, technician, QC inspector, remarks,
/// every NOT OK and its correction, completion; about 30 per pack), which keeps 100,000 packs seedable in minutes.</summary>
public sealed class PlantDataGenerator(ProcessRoute route, SeedPlan plan)
{
    private static readonly string[] Technicians =
        ["A. Kumar", "B. Santos", "C. Nowak", "D. Okafor", "E. Lindqvist", "F. Moreau", "G. Tanaka", "H. Schmidt", "I. Rossi", "J. Haddad", "K. Novak", "L. Ortega"];
    private static readonly string[] Inspectors = ["QC M. Weber", "QC N. Sato", "QC O. Brown", "QC P. Silva", "QC R. Ivanova"];
    private static readonly string[] Remarks =
    [
        "Torque re-checked after tool calibration.",
        "Sealant bead touched up at corner.",
        "Module Y label replaced (smudged).",
        "Waited for EOL tester; no defects.",
        "Foam re-seated, rechecked gap.",
        "Customer order priority; expedited.",
        "Lot change of M4 button heads.",
    ];

    private long _stageId;
    private long _checkId;
    private long _auditId;

    public IEnumerable<GeneratedPack> Generate()
    {
        var random = new Random(plan.RandomSeed);
        var start = plan.EndUtc.AddDays(-365);
        var waitingFrom = plan.Packs - plan.WaitingAtPackAssembly;
        for (var i = 0; i < plan.Packs; i++)
        {
            // Packs are created in ID order over the year, in the two shifts (06:00 to 22:00).
            var day = start.AddDays(Math.Floor(i * 365.0 / plan.Packs));
            var created = day.AddHours(6 + random.NextDouble() * 16);
            var fate = i >= waitingFrom ? Fate.WaitingAtPackAssembly : ChooseFate(random, (plan.EndUtc - created).TotalDays);
            yield return BuildPack(random, i + 1, created, fate);
        }
    }

    private enum Outcome { Done, StuckQcNotOk, InProgress }

    private readonly record struct Fate(int CompletedStages, Outcome Next)
    {
        public static readonly Fate WaitingAtPackAssembly = new(6, Outcome.Done);
    }

    private Fate ChooseFate(Random random, double ageDays)
    {
        var stages = route.StageCount;
        if (ageDays > 14)
        {
            var roll = random.NextDouble();
            if (roll < 0.965) return new Fate(stages, Outcome.Done);
            if (roll < 0.985) return new Fate(random.Next(0, stages), Outcome.StuckQcNotOk);
            return new Fate(random.Next(0, stages), Outcome.InProgress);
        }
        // Recent packs: the younger, the fewer stages behind them.
        var done = Math.Min(stages, (int)(ageDays * (0.4 + random.NextDouble())));
        if (done == stages) return new Fate(stages, Outcome.Done);
        var next = random.NextDouble();
        return new Fate(done, next < 0.4 ? Outcome.Done : next < 0.9 ? Outcome.InProgress : Outcome.StuckQcNotOk);
    }

    private GeneratedPack BuildPack(Random random, long rowId, DateTime created, Fate fate)
    {
        var packId = $"BP-{created.Year}-{rowId:D6}";
        var technician = Technicians[random.Next(Technicians.Length)];
        var client = $"tablet-{random.Next(1, 9):D2}";
        var pack = new Pack
        {
            Id = rowId,
            PackId = packId,
            ModuleXSerial = $"MX-{rowId:D7}",
            ModuleYSerial = $"MY-{rowId:D7}",
            CreatedUtc = created,
        };
        var audit = new List<AuditEntry> { Audit(created, packId, null, null, "Create", "Pack", null, packId, technician, client) };
        var stages = new List<StageRecord>();

        var clock = created;
        for (var n = 0; n < route.StageCount; n++)
        {
            var stage = route.Stages[n];
            var completing = n < fate.CompletedStages;
            var isNext = n == fate.CompletedStages;
            if (!completing && !(isNext && fate.Next != Outcome.Done)) break;

            var started = clock.AddMinutes(5 + random.NextDouble() * 55);
            var saved = started.AddMinutes(10 + random.NextDouble() * 50);
            var record = new StageRecord
            {
                Id = ++_stageId,
                PackRowId = rowId,
                StageNumber = stage.Number,
                Technician = Technicians[random.Next(Technicians.Length)],
                QcInspector = Inspectors[random.Next(Inspectors.Length)],
                Remarks = random.NextDouble() < 0.08 ? Remarks[random.Next(Remarks.Length)] : null,
                StartedUtc = started,
            };
            var user = record.Technician;
            audit.Add(Audit(saved, packId, stage.Number, null, "Save", "Technician", null, record.Technician, user, client));
            audit.Add(Audit(saved, packId, stage.Number, null, "Save", "QC inspector", null, record.QcInspector, user, client));
            if (record.Remarks is not null) audit.Add(Audit(saved, packId, stage.Number, null, "Save", "Remarks", null, record.Remarks, user, client));

            // How much of the stage is filled: all of it unless the pack stopped part-way through this stage.
            var filled = completing || fate.Next == Outcome.StuckQcNotOk ? stage.Checks.Count
                : random.NextDouble() < 0.3 ? stage.Checks.Count : random.Next(1, stage.Checks.Count);
            var saves = 1;
            var lastChange = saved;
            for (var c = 0; c < filled; c++)
            {
                var check = stage.Checks[c];
                var row = new CheckResult { Id = ++_checkId, StageRecordId = record.Id, CheckCode = check.Code, UpdatedUtc = saved };
                row.ModuleX = Judge(random, check, out var mx);
                row.ModuleY = Judge(random, check, out var my);
                row.MeasuredX = mx;
                row.MeasuredY = my;
                record.Results.Add(row);
            }

            if (completing && random.NextDouble() < 0.04)
            {
                // Rework: one result was NOT OK at the first save and corrected later; the stage remembers it.
                var row = record.Results[random.Next(record.Results.Count)];
                var module = random.Next(2) == 0 ? Module.X : Module.Y;
                var corrected = saved.AddMinutes(15 + random.NextDouble() * 90);
                audit.Add(Audit(saved, packId, stage.Number, row.CheckCode, "Save", $"Module {module}", null, QcResultText.NotOk, user, client));
                audit.Add(Audit(corrected, packId, stage.Number, row.CheckCode, "Save", $"Module {module}", QcResultText.NotOk, QcResultText.Ok, user, client));
                if (module == Module.X) row.ModuleX = QcResult.Ok; else row.ModuleY = QcResult.Ok;
                row.UpdatedUtc = corrected;
                record.HadNotOk = true;
                lastChange = corrected;
                saves++;
            }
            else if (!completing && fate.Next == Outcome.StuckQcNotOk)
            {
                var row = record.Results[random.Next(record.Results.Count)];
                var module = random.Next(2) == 0 ? Module.X : Module.Y;
                if (module == Module.X) row.ModuleX = QcResult.NotOk; else row.ModuleY = QcResult.NotOk;
                if (route.FindCheck(row.CheckCode)?.Limits is { } limits)
                {
                    var outside = Outside(random, limits);
                    if (module == Module.X) row.MeasuredX = outside; else row.MeasuredY = outside;
                }
                audit.Add(Audit(saved, packId, stage.Number, row.CheckCode, "Save", $"Module {module}", null, QcResultText.NotOk, user, client));
            }

            if (completing)
            {
                record.CompletedUtc = lastChange.AddMinutes(1 + random.NextDouble() * 10);
                audit.Add(Audit(record.CompletedUtc.Value, packId, stage.Number, null, "Complete", "End date", null,
                    record.CompletedUtc.Value.ToString("O", CultureInfo.InvariantCulture), user, client));
                lastChange = record.CompletedUtc.Value;
                saves++;
            }

            var entries = record.Results.Select(r => r.ToEntry()).ToList();
            record.NotOkCount = entries.Count(e => e.HasNotOk);
            record.HadNotOk |= record.NotOkCount > 0;
            record.Status = StatusRules.StageStatusOf(stage, new StageFacts(stage.Number, entries, record.CompletedUtc, HasAnyRecord: true));
            record.UpdatedUtc = lastChange;
            record.Version = saves;
            stages.Add(record);
            clock = lastChange;
        }

        // Keep every time in the past: shift a pack whose life would run past the end of the year back in time.
        var shift = plan.EndUtc.AddMinutes(-30) - clock;
        if (shift < TimeSpan.Zero) Shift(pack, stages, audit, shift);

        var statuses = stages.ToDictionary(s => s.StageNumber, s => s.Status);
        pack.Status = StatusRules.PackStatusOf(route, statuses);
        pack.CurrentStage = StatusRules.CurrentStageOf(route, statuses);
        pack.CompletedUtc = pack.Status == PackStatus.ReadyForDispatch ? stages.Single(s => s.StageNumber == route.LastStage.Number).CompletedUtc : null;
        pack.UpdatedUtc = stages.Count == 0 ? pack.CreatedUtc : stages.Max(s => s.UpdatedUtc);

        var label = new IssuedLabel
        {
            Id = rowId,
            PackId = packId,
            BatchId = $"LB-{pack.CreatedUtc:yyyyMMdd}",
            Payload = $"http://mes.plant.local:8501/entry/{packId}",
            Prefix = $"BP-{pack.CreatedUtc.Year}-",
            Number = (int)rowId,
            IssuedUtc = pack.CreatedUtc.AddHours(-2),
        };
        return new GeneratedPack(pack, stages, audit, label);
    }

    /// <summary>A result for one module: N/A now and then on plain checks, a measured value inside the limits on
    /// measurable ones (judged by the route's own limits, as the recorder judges typed values).</summary>
    private static QcResult Judge(Random random, QcCheck check, out double? measured)
    {
        measured = null;
        if (check.Limits is not { } limits) return random.NextDouble() < 0.02 ? QcResult.NotApplicable : QcResult.Ok;
        var value = Inside(random, limits);
        measured = value;
        return limits.Judge(value);
    }

    private static double Inside(Random random, MeasurementLimits limits)
    {
        var gauss = Math.Clamp(Gaussian(random), -3.5, 3.5);
        double value = (limits.Min, limits.Max) switch
        {
            ({ } lo, { } hi) => (lo + hi) / 2 + gauss * (hi - lo) / 8,
            ({ } lo, null) => lo + Math.Abs(gauss) * Math.Max(1, Math.Abs(lo) * 0.05) + 0.01,
            (null, { } hi) => hi - Math.Abs(gauss) * Math.Max(0.1, Math.Abs(hi) * 0.2) - 0.001,
            _ => gauss,
        };
        value = Math.Round(value, 3);
        return limits.Accepts(value) ? value : (limits.Min ?? limits.Max ?? 0);
    }

    private static double Outside(Random random, MeasurementLimits limits) =>
        limits.Max is { } hi ? Math.Round(hi + 0.05 + random.NextDouble(), 3) : Math.Round(limits.Min!.Value - 0.05 - random.NextDouble(), 3);

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static void Shift(Pack pack, List<StageRecord> stages, List<AuditEntry> audit, TimeSpan by)
    {
        pack.CreatedUtc += by;
        foreach (var s in stages)
        {
            s.StartedUtc += by;
            s.CompletedUtc += by;
            s.UpdatedUtc += by;
            foreach (var r in s.Results) r.UpdatedUtc += by;
        }
        foreach (var a in audit) a.AtUtc += by;
    }

    private AuditEntry Audit(DateTime at, string packId, int? stage, string? code, string action, string field, string? oldValue, string? newValue, string? user, string client) => new()
    {
        Id = ++_auditId,
        AtUtc = at,
        PackId = packId,
        StageNumber = stage,
        CheckCode = code,
        Action = action,
        Field = field,
        OldValue = oldValue,
        NewValue = newValue,
        User = user,
        Client = client,
    };
}
