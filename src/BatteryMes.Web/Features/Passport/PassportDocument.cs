namespace BatteryMes.Web.Features.Passport;

// The manufacturing part of a pack's battery passport. Property names follow the Battery Pass data model
// (DIN DKE SPEC 99100) where it has one; docs/battery-passport.md maps each field to its source and attribute, and
// Features/Passport/passport.schema.json is its JSON Schema. Serialized camelCase; nulls are written (a null is
// "not known", listed in missingData for model data).

public sealed record PassportDocument(
    string SchemaVersion,
    string ProductIdentifier,
    DateTime GeneratedUtc,
    GeneralProductInformation GeneralProductInformation,
    BatteryTechnicalProperties BatteryTechnicalProperties,
    MaterialComposition MaterialComposition,
    IReadOnlyList<PassportModule> Modules,
    IReadOnlyList<EndOfLineTest> EndOfLineTests,
    IReadOnlyList<PassportDeviation> Deviations,
    IReadOnlyList<StageSignOff> StageSignOffs,
    PassportReadiness Readiness,
    IReadOnlyList<string> MissingData);

public sealed record GeneralProductInformation(
    string ProductIdentifier,
    string? ModelIdentifier,
    string? BatteryCategory,
    string BatteryStatus,
    ManufacturerInformation ManufacturerInformation,
    ManufacturingPlace ManufacturingPlace,
    DateTime? ManufacturingDate,
    double? BatteryMass);

public sealed record BatteryTechnicalProperties(
    double? RatedCapacity,
    double? NominalVoltage,
    double? MinimumVoltage,
    double? MaximumVoltage,
    double? RatedEnergy,
    double? ExpectedLifetime,
    int? ExpectedNumberOfCycles);

public sealed record MaterialComposition(string? BatteryChemistry);

/// <summary>Module X or Y of the pack: its serial and the cells in place in it, in position order.</summary>
public sealed record PassportModule(string Side, string? ModuleSerial, IReadOnlyList<PassportCell> Cells);

public sealed record PassportCell(int? Position, string Serial, string? Lot, double? CapacityAh, double? VoltageV, double? InternalResistanceMilliOhm, string? Source);

public sealed record MeasuredLimits(double? Min, double? Max, string Unit);

public sealed record ModuleResult(string? Result, double? MeasuredValue, string? DeviationReason);

public sealed record EndOfLineTest(
    int StageNumber,
    string StageName,
    string CheckCode,
    string Description,
    string Criterion,
    MeasuredLimits? Limits,
    ModuleResult ModuleX,
    ModuleResult ModuleY);

/// <summary>A result that contradicts its measured value, kept with the reason given; open while its stage is not signed off.</summary>
public sealed record PassportDeviation(int StageNumber, string CheckCode, string Module, string Result, double? MeasuredValue, string Reason, bool SignedOff);

public sealed record StageSignOff(
    int StageNumber,
    string StageName,
    string Status,
    string? Technician,
    string? QcInspector,
    string? SignedOffBy,
    string? SignOffMeaning,
    DateTime? CompletedUtc);

/// <summary>Whether the pack may be dispatched, and every reason it may not.</summary>
public sealed record PassportReadiness(string Status, bool ReadyForDispatch, bool OnHold, string? HoldReason, DateTime? HeldUtc, IReadOnlyList<string> Reasons);
