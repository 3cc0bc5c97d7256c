using System.Text;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.CellImport;

[Collection(BrowserCollection.Name)]
public sealed class CellImportPageTests(BrowserFixture browser)
{
    private static readonly LocatorAssertionsToContainTextOptions Wait = new() { Timeout = 20_000 };

    private static FilePayload Csv(string name, string text) => new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    [Fact]
    public async Task A_supervisor_sees_row_errors_that_keep_import_off_then_imports_a_corrected_file_with_a_changed_mapping()
    {
        await using var app = await AppServer.StartAsync();
        var page = await browser.NewPageAsync(width: 1024, height: 768);
        await app.SignInAsync(page, TestPeople.Supervisor, "/cells/import");
        var file = page.Locator("#cell-file");

        await file.SetInputFilesAsync(Csv("supplier.csv", "Cell ID;Lot;Capacity;Voltage;IR;Spare\nC-1;L1;6,1;3,59;12\nC-1;L1;6,1;3,59;12\nC-3;L1;6,1;-1;12\n"));

        await Expect(page.GetByTestId("import-counts")).ToContainTextAsync("3 rows", Wait);
        await Expect(page.GetByTestId("import-errors")).ToContainTextAsync("Cell C-1 is already in row 2 of this file.");
        await Expect(page.GetByTestId("import-errors")).ToContainTextAsync("Voltage (V) cannot be negative.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true })).ToBeDisabledAsync();

        // The lot is read from "Spare" after the person changes the mapping.
        await file.SetInputFilesAsync(Csv("supplier-fixed.csv", "Cell ID;Lot;Capacity;Voltage;IR;Spare\nC-1;L1;6,1;3,59;12;LOT-X\nC-2;L1;6,1;3,59;12;LOT-X\n"));
        await Expect(page.GetByTestId("import-counts")).ToContainTextAsync("2 rows: 2 new cells, 0 updated, 0 unchanged, 0 errors", Wait);
        await page.GetByLabel("Lot").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Spare" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "LOT-X" }).First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();

        await Expect(page.GetByTestId("import-message")).ToContainTextAsync("Imported 'supplier-fixed.csv': 2 new cells, 0 updated, 0 unchanged.", Wait);
        await using var db = await app.Services.OpenAsync();
        Assert.Equal(["LOT-X", "LOT-X"], await db.Components.OrderBy(c => c.Serial).Select(c => c.Lot).ToListAsync());
        Assert.Contains("\"Lot\":\"Spare\"", (await db.ImportMappings.SingleAsync()).ColumnsJson);
    }
}
