using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>BatteryMes:QrCodes. Limits of the label generator: no batch, and no number of people generating at once,
/// may take the server's memory or disk from the line.</summary>
public sealed class QrCodesOptions
{
    public const string Section = "BatteryMes:QrCodes";
    public const int UpperLimit = 100_000;

    /// <summary>The most labels one batch may hold; a larger batch is refused with this number in the message.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>The widest label in pixels. Drawing memory grows with its square: 2,000 px covers 150 mm at 300 DPI.</summary>
    public int MaxLabelPixels { get; set; } = 2000;

    /// <summary>The most a batch's label files may come to (the ZIP and the saved folder are each about this size).</summary>
    public int MaxBatchMegabytes { get; set; } = 100;

    /// <summary>Batches drawn at the same time; further ones wait their turn.</summary>
    public int MaxConcurrentBatches { get; set; } = 1;

    /// <summary>How long a batch waits for its turn before it is refused with "try again".</summary>
    public int QueueWaitSeconds { get; set; } = 60;
}

internal sealed class QrCodesOptionsValidator : IValidateOptions<QrCodesOptions>
{
    public const int MinLabelPixels = 96, UpperLabelPixels = 8000;

    public ValidateOptionsResult Validate(string? name, QrCodesOptions options)
    {
        var errors = new List<string>();
        void Range(string key, int value, int min, int max)
        {
            if (value < min || value > max) errors.Add($"{QrCodesOptions.Section}:{key} must be between {min} and {max} (found {value}).");
        }
        Range(nameof(options.MaxBatchSize), options.MaxBatchSize, 1, QrCodesOptions.UpperLimit);
        Range(nameof(options.MaxLabelPixels), options.MaxLabelPixels, MinLabelPixels, UpperLabelPixels);
        Range(nameof(options.MaxBatchMegabytes), options.MaxBatchMegabytes, 1, 4096);
        Range(nameof(options.MaxConcurrentBatches), options.MaxConcurrentBatches, 1, 16);
        Range(nameof(options.QueueWaitSeconds), options.QueueWaitSeconds, 0, 3600);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
