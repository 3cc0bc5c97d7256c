using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>BatteryMes:QrCodes. Limits of the label generator.</summary>
public sealed class QrCodesOptions
{
    public const string Section = "BatteryMes:QrCodes";
    public const int UpperLimit = 100_000;

    /// <summary>The most labels one batch may hold; a larger batch is refused with this number in the message.</summary>
    public int MaxBatchSize { get; set; } = 1000;
}

internal sealed class QrCodesOptionsValidator : IValidateOptions<QrCodesOptions>
{
    public ValidateOptionsResult Validate(string? name, QrCodesOptions options) =>
        options.MaxBatchSize is < 1 or > QrCodesOptions.UpperLimit
            ? ValidateOptionsResult.Fail($"{QrCodesOptions.Section}:MaxBatchSize must be between 1 and {QrCodesOptions.UpperLimit} (found {options.MaxBatchSize}).")
            : ValidateOptionsResult.Success;
}
