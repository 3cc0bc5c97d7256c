using System.Text.RegularExpressions;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Reports;
using ClosedXML.Excel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatteryMes.Tests.Reports;

/// <summary>Report services against a test database, one seeded pack, and an independent reader of produced sheets
/// (it does not use the app's FormLayout, so a wrong layout in the app cannot hide itself).</summary>
internal static class ReportsTestKit
{
    public const string PackId = "BP-2026-0001";
    public const string Technician = "Kömürcü";
    public const string Inspector = "Ramesh Kumar (रमेश)";
    public const string Remark = "=HYPERLINK(\"http://attacker.example\",\"click\")";
    public static readonly Actor Person = new(Technician, "10.0.0.7", "komurcu");
    /// <summary>Records the pack-level stage: a name that looks like a formula.</summary>
    public static readonly Actor PackLevelTechnician = new("+Ravi", "10.0.0.8", "ravi");

    public static string TemplatePath => Path.Combine(AppContext.BaseDirectory, "templates", "process-card-template.xlsx");

    /// <summary>The plant's own form P-BDT-FR-04A, unmodified, sample values included.</summary>
    public static string PlantFormPath => Path.Combine(AppContext.BaseDirectory, "templates", "plant-form-P-BDT-FR-04A.xlsx");

    public static Task<ServiceProvider> StartAsync(TestDatabase database, string? template = null, int maxPackSheets = 200, bool saveCopies = false,
        bool acknowledged = false) =>
        database.StartAsync(services =>
        {
            services.AddSingleton(Options.Create(new ReportsOptions
            {
                TemplateFile = template ?? TemplatePath, MaxPackSheets = maxPackSheets, SaveCopies = saveCopies, AcknowledgedTemplateProblems = acknowledged,
            }));
            services.AddReportWriters();
        });

    /// <summary>A pack with module-level results (stage 1, measured values, N/A) and pack-level results (stage 7, the torque
    /// check 8.6.10 OK with its required in-limit value),
    /// non-ASCII names and formula-like text.</summary>
    public static async Task SeedAsync(IServiceProvider app, string packId = PackId)
    {
        var recorder = app.GetRequiredService<PackRecorder>();
        Ok(await recorder.CreatePackAsync(packId, "MX-001", "MY-002", Person));
        Ok(await recorder.SaveStageAsync(new StageSave(packId, 1,
        [
            new CheckInput("1.1.1", MeasuredX: 3.59, MeasuredY: 3.595),
            new CheckInput("1.1.2", QcResult.Ok, QcResult.Ok, 12.1, 12),
            new CheckInput("1.2.1", QcResult.Ok, QcResult.NotApplicable),
        ], Remark), Person));
        Ok(await recorder.SaveStageAsync(new StageSave(packId, 7,
        [
            new CheckInput("8.6.10", QcResult.Ok, QcResult.Ok, 1.5, 1.5),
            new CheckInput("8.6.11", QcResult.Ok, QcResult.NotApplicable),
        ], "-5 mV drift"), PackLevelTechnician));
        await SetInspectorAsync(app, packId, 1, Inspector);
        await SetInspectorAsync(app, packId, 7, "@Meena");
    }

    /// <summary>The QC inspector is stored by a sign-off, which needs every check of the stage; these half-recorded stages
    /// get theirs written directly, as databases from before sign-in hold typed names on open stages.</summary>
    public static async Task SetInspectorAsync(IServiceProvider app, string packId, int stage, string inspector)
    {
        await using var db = await app.OpenAsync();
        var updated = await db.StageRecords.Where(s => s.Pack.PackId == packId && s.StageNumber == stage)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.QcInspector, inspector));
        Assert.Equal(1, updated);
    }

    private static void Ok(RecordingResult result) => Assert.True(result.Succeeded, result.Message);

    public static XLWorkbook Open(MemoryStream file)
    {
        file.Position = 0;
        return new XLWorkbook(file);
    }

    /// <summary>The row whose check cell (column of the "Process/QC checks" header) starts with the code, not followed by a digit.</summary>
    public static int RowOf(IXLWorksheet sheet, string code)
    {
        var column = CheckColumn(sheet);
        var pattern = new Regex("^" + Regex.Escape(code) + @"(?!\d)");
        var rows = sheet.Column(column).CellsUsed().Where(c => pattern.IsMatch(c.GetString())).Select(c => c.Address.RowNumber).ToList();
        return Assert.Single(rows);
    }

    public static int CheckColumn(IXLWorksheet sheet) =>
        sheet.CellsUsed().First(c => Squash(c.GetString()) == "processqcchecks").Address.ColumnNumber;

    /// <summary>Header rows of the form: module-level first, then pack-level.</summary>
    public static IReadOnlyList<int> HeaderRows(IXLWorksheet sheet) =>
        sheet.CellsUsed().Where(c => Squash(c.GetString()) == "processqcchecks").Select(c => c.Address.RowNumber).Order().ToList();

    public static int ColumnOf(IXLWorksheet sheet, int headerRow, string label) =>
        sheet.Row(headerRow).CellsUsed().Single(c => Squash(c.GetString()) == Squash(label)).Address.ColumnNumber;

    /// <summary>The value under a header for a check code, read from the sheet.</summary>
    public static string Value(IXLWorksheet sheet, string code, string header, bool packLevel = false)
    {
        var headerRow = HeaderRows(sheet)[packLevel ? 1 : 0];
        return sheet.Cell(RowOf(sheet, code), ColumnOf(sheet, headerRow, header)).GetString();
    }

    public static string Squash(string text) => new string(text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    public static string[] MergesOf(IXLWorksheet sheet) => sheet.MergedRanges.Select(m => m.RangeAddress.ToString()!).Order().ToArray();

    /// <summary>A copy of the project's template (or <paramref name="from"/>) in the test's folder, its form sheet changed by <paramref name="change"/>.</summary>
    public static string ModifiedTemplate(string folder, Action<IXLWorksheet> change, string? from = null) =>
        ModifiedWorkbook(folder, workbook => change(workbook.Worksheet(1)), from);

    /// <summary>A copy of a template workbook changed by <paramref name="change"/> (the plant's form gets its fills
    /// mended first, as the app does: ClosedXML cannot save it otherwise).</summary>
    public static string ModifiedWorkbook(string folder, Action<XLWorkbook> change, string? from = null)
    {
        var path = Path.Combine(folder, $"template-{Guid.NewGuid():N}.xlsx");
        using (var workbook = new XLWorkbook(new MemoryStream(FormTemplate.RepairFills(File.ReadAllBytes(from ?? TemplatePath)))))
        {
            change(workbook);
            workbook.SaveAs(path);
        }
        return path;
    }

    /// <summary>The row whose cell (left of and including the check column) starts with a row code such as "9." or
    /// "10.1." or "1.1.1", not followed by a digit: found in the sheet's own text, independently of the app.</summary>
    public static int RowStartingWith(IXLWorksheet sheet, string rowCode)
    {
        var pattern = new Regex("^\\s*" + Regex.Escape(rowCode) + @"(?!\d)");
        var column = CheckColumn(sheet);
        var rows = sheet.CellsUsed().Where(c => c.Address.ColumnNumber <= column && pattern.IsMatch(c.GetString())).Select(c => c.Address.RowNumber).Distinct().ToList();
        return Assert.Single(rows);
    }
}
