using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Reports;

/// <summary>BatteryMes:Reports. The Excel form template and whether generated files are also kept in
/// BatteryMes:Folders:ExcelReports (for plants that share that folder).</summary>
public sealed class ReportsOptions
{
    public const string Section = "BatteryMes:Reports";

    /// <summary>The plant's form as an .xlsx file; relative paths are taken from the installation folder.</summary>
    public string TemplateFile { get; set; } = "templates/process-card-template.xlsx";

    /// <summary>Also save every generated pack form and master workbook into the Excel reports folder.</summary>
    public bool SaveCopies { get; set; }

    /// <summary>Most packs that get a sheet of their own in the master workbook. Each pack sheet is the template
    /// sheet's XML with the pack's values written in (no ClosedXML copy): 1,000 pack sheets took ~4-5 s on a 2-core
    /// machine at load average ~26 (~15 MB file), so 500 stays near the 2 s aim there and runs well under it on a quiet
    /// machine. Beyond the cap the master holds the summary only, with a note to narrow the filter.</summary>
    public int MaxPackSheets { get; set; } = 500;
}

internal sealed class ReportsOptionsValidator : IValidateOptions<ReportsOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportsOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TemplateFile))
            errors.Add($"{ReportsOptions.Section}:TemplateFile is empty; give the path of the Excel form template (e.g. templates/process-card-template.xlsx).");
        else if (options.TemplateFile.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            errors.Add($"{ReportsOptions.Section}:TemplateFile '{options.TemplateFile}' is not a valid file path.");
        if (options.MaxPackSheets is < 0 or > 5000)
            errors.Add($"{ReportsOptions.Section}:MaxPackSheets must be between 0 and 5000 (found {options.MaxPackSheets}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
