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
    /// sheet's XML with the pack's values written in (no ClosedXML copy), streamed into a temporary file one pack at a
    /// time: memory stays small (a peak heap of ~30 MB for 1,000 sheets), but the time and the file (~22 MB for 1,000
    /// sheets) grow linearly, and a workbook of thousands of sheets is slow for Excel to open. Beyond the cap the master
    /// holds the summary only, with a note to narrow the filter.</summary>
    public int MaxPackSheets { get; set; } = 1000;

    /// <summary>The admin has read the template's problems (checks the form has no row or result cell for) and wants
    /// pack forms anyway: each form then lists those checks, with their results, in a note at the top. While false,
    /// a pack form is refused (503 with the list of problems) as long as the template has such problems.</summary>
    public bool AcknowledgedTemplateProblems { get; set; }
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
