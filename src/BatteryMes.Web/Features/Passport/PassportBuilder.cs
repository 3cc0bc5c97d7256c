using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Passport;

/// <summary>Builds the manufacturing part of a pack's battery passport from its record, the components in place and the
/// model file. Two queries: the pack with its stages and results, and its component links in place with their components.</summary>
public sealed class PassportBuilder(IDbContextFactory<MesDbContext> contexts, ProcessRoute route, PackModelStore models,
    IOptions<PassportOptions> options, TimeProvider time)
{
    public const string SchemaVersion = "1.0";

    /// <summary>The passport of <paramref name="packId"/> (any case); null when there is no such pack.</summary>
    public async Task<PassportDocument?> BuildAsync(string packId, CancellationToken ct = default)
    {
        var id = PackIdentifier.Canonical(packId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var pack = await db.Packs.AsNoTracking().AsSplitQuery()
            .Include(p => p.Stages).ThenInclude(s => s.Results)
            .FirstOrDefaultAsync(p => p.PackId == id, ct);
        if (pack is null) return null;
        var links = await db.ComponentLinks.AsNoTracking()
            .Where(l => l.PackRowId == pack.Id && l.RemovedUtc == null)
            .Select(l => new { l.Side, l.Position, l.Component.Kind, l.Component.Serial, l.Component.Lot, l.Component.CapacityAh,
                l.Component.VoltageV, l.Component.ResistanceMilliOhm, l.Component.Source })
            .ToListAsync(ct);

        var model = models.Current;
        var stages = pack.Stages.ToDictionary(s => s.StageNumber);

        var modules = new[] { Module.X, Module.Y }.Select(side =>
        {
            var moduleLink = links.FirstOrDefault(l => l.Kind == ComponentKind.Module && l.Side == side);
            var cells = links.Where(l => l.Kind == ComponentKind.Cell && l.Side == side)
                .OrderBy(l => l.Position ?? int.MaxValue).ThenBy(l => l.Serial, StringComparer.Ordinal)
                .Select(l => new PassportCell(l.Position, l.Serial, l.Lot, l.CapacityAh, l.VoltageV, l.ResistanceMilliOhm, l.Source))
                .ToList();
            var typedSerial = side == Module.X ? pack.ModuleXSerial : pack.ModuleYSerial;
            return new PassportModule(side.ToString(), moduleLink?.Serial ?? typedSerial, cells);
        }).ToList();

        var endOfLine = new List<EndOfLineTest>();
        foreach (var stage in route.Stages.Where(s => s.Number >= options.Value.EndOfLineFromStage))
        {
            var results = stages.GetValueOrDefault(stage.Number)?.Results.ToDictionary(r => r.CheckCode, StringComparer.Ordinal) ?? [];
            foreach (var check in stage.Checks)
            {
                var result = results.GetValueOrDefault(check.Code);
                endOfLine.Add(new EndOfLineTest(stage.Number, stage.Name, check.Code, check.Description, check.Criterion,
                    check.Limits is { } l ? new MeasuredLimits(l.Min, l.Max, l.Unit) : null,
                    new ModuleResult(Text(result?.ModuleX), result?.MeasuredX, result?.DeviationX),
                    new ModuleResult(Text(result?.ModuleY), result?.MeasuredY, result?.DeviationY)));
            }
        }

        var deviations = new List<PassportDeviation>();
        foreach (var stage in pack.Stages.OrderBy(s => s.StageNumber))
        {
            var signedOff = stage.Status == StageStatus.Completed;
            foreach (var r in stage.Results.OrderBy(r => route.FindCheck(r.CheckCode) is null).ThenBy(r => r.Id))
            {
                if (!string.IsNullOrWhiteSpace(r.DeviationX))
                    deviations.Add(new PassportDeviation(stage.StageNumber, r.CheckCode, "X", Text(r.ModuleX) ?? "", r.MeasuredX, r.DeviationX!, signedOff));
                if (!string.IsNullOrWhiteSpace(r.DeviationY))
                    deviations.Add(new PassportDeviation(stage.StageNumber, r.CheckCode, "Y", Text(r.ModuleY) ?? "", r.MeasuredY, r.DeviationY!, signedOff));
            }
        }

        var signOffs = route.Stages.Select(s =>
        {
            var record = stages.GetValueOrDefault(s.Number);
            return new StageSignOff(s.Number, s.Name, (record?.Status ?? StageStatus.NotStarted).ToText(), record?.Technician, record?.QcInspector,
                record?.SignedOffBy, record?.SignOffMeaning, Utc(record?.CompletedUtc));
        }).ToList();

        var reasons = new List<string>();
        if (pack.Status != PackStatus.ReadyForDispatch)
        {
            var open = route.Stages.Where(s => stages.GetValueOrDefault(s.Number)?.Status != StageStatus.Completed).Select(s => s.Number).ToList();
            reasons.Add($"Not ready for dispatch: the pack is '{pack.Status.ToText()}'; stage{(open.Count == 1 ? "" : "s")} {string.Join(", ", open)} not completed.");
        }
        if (pack.HoldReason is not null) reasons.Add($"On hold: {pack.HoldReason}");
        foreach (var d in deviations.Where(d => !d.SignedOff))
            reasons.Add($"Open deviation: check {d.CheckCode}, Module {d.Module} (stage {d.StageNumber} not signed off): {d.Reason}");
        var notOk = pack.Stages.Sum(s => s.NotOkCount);
        if (notOk > 0) reasons.Add($"{notOk} NOT OK result{(notOk == 1 ? "" : "s")} recorded.");

        // The manufacturing date is the completion of the route's last stage: the pack is finished then.
        var manufactured = pack.Status == PackStatus.ReadyForDispatch ? Utc(stages.GetValueOrDefault(route.LastStage.Number)?.CompletedUtc ?? pack.CompletedUtc) : null;

        return new PassportDocument(
            SchemaVersion,
            pack.PackId,
            time.GetUtcNow().UtcDateTime,
            new GeneralProductInformation(pack.PackId, model.ModelIdentifier, model.BatteryCategory, "Original",
                model.ManufacturerInformation ?? new ManufacturerInformation(null, null, null),
                model.ManufacturingPlace ?? new ManufacturingPlace(null, null, null, null, null),
                manufactured, model.BatteryMassKg),
            new BatteryTechnicalProperties(model.RatedCapacityAh, model.NominalVoltageV, model.MinimumVoltageV, model.MaximumVoltageV,
                model.RatedEnergyKWh, model.ExpectedLifetimeYears, model.ExpectedNumberOfCycles),
            new MaterialComposition(model.BatteryChemistry),
            modules,
            endOfLine,
            deviations,
            signOffs,
            new PassportReadiness(pack.Status.ToText(), reasons.Count == 0, pack.HoldReason is not null, pack.HoldReason, Utc(pack.HeldUtc), reasons),
            model.MissingData());
    }

    private static string? Text(QcResult? result) => result is null or QcResult.Empty ? null : result.Value.ToText();

    private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;
}
