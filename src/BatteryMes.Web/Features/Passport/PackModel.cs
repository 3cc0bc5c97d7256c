using System.Text.Json;
using System.Text.Json.Serialization;
using BatteryMes.Web.Configuration;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Passport;

/// <summary>BatteryMes:Passport. The battery model file and whether label URLs show a public summary.</summary>
public sealed class PassportOptions
{
    public const string Section = "BatteryMes:Passport";

    /// <summary>The model's static passport data (manufacturer, chemistry, ratings); relative paths are taken from the
    /// installation folder.</summary>
    public string ModelFile { get; set; } = "templates/pack-model.json";

    /// <summary>A person who is not signed in and opens a pack's label URL sees the pack's public summary (model, date
    /// of manufacture, status words) instead of the sign-in page. Never the QC details.</summary>
    public bool PublicSummary { get; set; }

    /// <summary>Stages from this number to the last are the end-of-line part of the passport: their checks, limits,
    /// measured values and results are listed.</summary>
    public int EndOfLineFromStage { get; set; } = 6;
}

public sealed record PostalAddress(string? StreetAddress, string? PostalCode, string? AddressLocality, string? AddressCountry);

public sealed record ManufacturerInformation(string? ContactName, PostalAddress? PostalAddress, string? Identifier);

public sealed record ManufacturingPlace(string? StreetAddress, string? PostalCode, string? AddressLocality, string? AddressCountry, string? FacilityIdentifier);

/// <summary>The battery model's static data, as the plant wrote it in the model file. Null means "not known yet".</summary>
public sealed record PackModel(
    string? ModelIdentifier,
    ManufacturerInformation? ManufacturerInformation,
    ManufacturingPlace? ManufacturingPlace,
    string? BatteryCategory,
    string? BatteryChemistry,
    double? RatedCapacityAh,
    double? NominalVoltageV,
    double? MinimumVoltageV,
    double? MaximumVoltageV,
    double? RatedEnergyKWh,
    double? BatteryMassKg,
    double? ExpectedLifetimeYears,
    int? ExpectedNumberOfCycles)
{
    /// <summary>The categories of the Battery Pass data model (BatteryCategoryEnum).</summary>
    public static readonly IReadOnlyList<string> Categories = ["lmt", "ev", "industrial", "stationary"];

    /// <summary>The passport's names of the values the plant has not filled in yet.</summary>
    public IReadOnlyList<string> MissingData()
    {
        var missing = new List<string>();
        void Need(object? value, string name)
        {
            if (value is null || (value is string s && string.IsNullOrWhiteSpace(s))) missing.Add(name);
        }
        Need(ModelIdentifier, "modelIdentifier");
        Need(ManufacturerInformation?.ContactName, "manufacturerInformation.contactName");
        Need(ManufacturerInformation?.PostalAddress?.StreetAddress, "manufacturerInformation.postalAddress.streetAddress");
        Need(ManufacturerInformation?.PostalAddress?.PostalCode, "manufacturerInformation.postalAddress.postalCode");
        Need(ManufacturerInformation?.PostalAddress?.AddressLocality, "manufacturerInformation.postalAddress.addressLocality");
        Need(ManufacturerInformation?.PostalAddress?.AddressCountry, "manufacturerInformation.postalAddress.addressCountry");
        Need(ManufacturerInformation?.Identifier, "manufacturerInformation.identifier");
        Need(ManufacturingPlace?.StreetAddress, "manufacturingPlace.streetAddress");
        Need(ManufacturingPlace?.PostalCode, "manufacturingPlace.postalCode");
        Need(ManufacturingPlace?.AddressLocality, "manufacturingPlace.addressLocality");
        Need(ManufacturingPlace?.AddressCountry, "manufacturingPlace.addressCountry");
        Need(ManufacturingPlace?.FacilityIdentifier, "manufacturingPlace.facilityIdentifier");
        Need(BatteryCategory, "batteryCategory");
        Need(BatteryChemistry, "batteryChemistry");
        Need(RatedCapacityAh, "ratedCapacity");
        Need(NominalVoltageV, "nominalVoltage");
        Need(MinimumVoltageV, "minimumVoltage");
        Need(MaximumVoltageV, "maximumVoltage");
        Need(RatedEnergyKWh, "ratedEnergy");
        Need(BatteryMassKg, "batteryMass");
        Need(ExpectedLifetimeYears, "expectedLifetime");
        Need(ExpectedNumberOfCycles, "expectedNumberOfCycles");
        return missing;
    }

    /// <summary>Values that are present but cannot be right; each message names the field.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Positive(double? value, string field)
        {
            if (value is { } v && (double.IsNaN(v) || v <= 0)) problems.Add($"'{field}' must be a number above 0 (found {v}).");
        }
        Positive(RatedCapacityAh, "ratedCapacityAh");
        Positive(NominalVoltageV, "nominalVoltageV");
        Positive(MinimumVoltageV, "minimumVoltageV");
        Positive(MaximumVoltageV, "maximumVoltageV");
        Positive(RatedEnergyKWh, "ratedEnergyKWh");
        Positive(BatteryMassKg, "batteryMassKg");
        Positive(ExpectedLifetimeYears, "expectedLifetimeYears");
        if (ExpectedNumberOfCycles is <= 0) problems.Add($"'expectedNumberOfCycles' must be a whole number above 0 (found {ExpectedNumberOfCycles}).");
        if (MinimumVoltageV is { } min && NominalVoltageV is { } nominal && min >= nominal)
            problems.Add($"'minimumVoltageV' ({min}) must be below 'nominalVoltageV' ({nominal}).");
        if (MaximumVoltageV is { } max && NominalVoltageV is { } nom && max <= nom)
            problems.Add($"'maximumVoltageV' ({max}) must be above 'nominalVoltageV' ({nom}).");
        if (BatteryCategory is { } category && !Categories.Contains(category))
            problems.Add($"'batteryCategory' must be one of {string.Join(", ", Categories)} (found '{category}').");
        return problems;
    }
}

/// <summary>Reads the model file. A file that cannot be read stops start-up with a message naming the file and the field.</summary>
public sealed class PackModelStore(IOptions<PassportOptions> options, AppHome home)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly Lazy<PackModel> _model = new(() => Load(home.Resolve(options.Value.ModelFile)));

    public PackModel Current => _model.Value;

    public static PackModel Load(string path)
    {
        if (!File.Exists(path)) throw new PackModelException($"The battery model file '{path}' ({PassportOptions.Section}:ModelFile) was not found.");
        PackModel? model;
        try
        {
            model = JsonSerializer.Deserialize<PackModelFile>(File.ReadAllText(path), Json)?.ToModel();
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at '{ex.Path.TrimStart('$', '.')}'";
            throw new PackModelException($"The battery model file '{path}' cannot be read{field}: {FirstSentence(ex.Message)}");
        }
        if (model is null) throw new PackModelException($"The battery model file '{path}' is empty; it must hold a JSON object.");
        var problems = model.Problems();
        if (problems.Count > 0) throw new PackModelException($"The battery model file '{path}' has wrong values: {string.Join(" ", problems)}");
        return model;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }

    // The file form: "$comment" is allowed beside the fields; anything else unknown is a typing mistake worth naming.
    private sealed record PackModelFile(
        [property: JsonPropertyName("$comment")] JsonElement? Comment,
        string? ModelIdentifier, ManufacturerInformation? ManufacturerInformation, ManufacturingPlace? ManufacturingPlace,
        string? BatteryCategory, string? BatteryChemistry, double? RatedCapacityAh, double? NominalVoltageV, double? MinimumVoltageV,
        double? MaximumVoltageV, double? RatedEnergyKWh, double? BatteryMassKg, double? ExpectedLifetimeYears, int? ExpectedNumberOfCycles)
    {
        public PackModel ToModel() => new(ModelIdentifier, ManufacturerInformation, ManufacturingPlace, BatteryCategory?.Trim().ToLowerInvariant(),
            BatteryChemistry, RatedCapacityAh, NominalVoltageV, MinimumVoltageV, MaximumVoltageV, RatedEnergyKWh, BatteryMassKg,
            ExpectedLifetimeYears, ExpectedNumberOfCycles);
    }
}

public sealed class PackModelException(string message) : Exception(message);

/// <summary>Options validated at start-up: the model file is read then, so a mistake in it stops the app with a message
/// that names the field instead of surfacing on the first passport export.</summary>
internal sealed class PassportOptionsValidator(AppHome home) : IValidateOptions<PassportOptions>
{
    public ValidateOptionsResult Validate(string? name, PassportOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ModelFile))
            errors.Add($"{PassportOptions.Section}:ModelFile is empty; give the path of the battery model file (e.g. templates/pack-model.json).");
        else
        {
            try { PackModelStore.Load(home.Resolve(options.ModelFile)); }
            catch (PackModelException ex) { errors.Add($"{PassportOptions.Section}:ModelFile: {ex.Message}"); }
        }
        if (options.EndOfLineFromStage < 1)
            errors.Add($"{PassportOptions.Section}:EndOfLineFromStage must be a stage number of the route, 1 or more (found {options.EndOfLineFromStage}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
