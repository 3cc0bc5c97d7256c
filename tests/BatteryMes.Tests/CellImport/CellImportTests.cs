using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.CellImport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BatteryMes.Tests.CellImport;

public class CellImportTests(ITestOutputHelper output)
{
    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string csv, bool dryRun, string fileName = "cells.csv", object? columns = null) =>
        client.PostAsJsonAsync("/api/cells/import", new { fileName, csv, dryRun, columns });

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>());

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Columns_are_matched_by_their_headers_with_semicolons_a_byte_order_mark_and_decimal_commas(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClientAs(TestPeople.Supervisor);
        const string csv = "\uFEFFLot No; cell id ;Capacity (Ah);OCV (V);IR (mOhm)\r\nL-1;c-0001;6,12;3,591;12,1\r\nL-1;C-0002;6.10;3.590;12.0\r\n";

        using var preview = await PostAsync(client, csv, dryRun: true);
        var body = await JsonOf(preview);

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal(";", body.GetProperty("delimiter").GetString());
        var columns = body.GetProperty("columns");
        Assert.Equal("cell id", columns.GetProperty("cellId").GetString());
        Assert.Equal("Lot No", columns.GetProperty("lot").GetString());
        Assert.Equal("Capacity (Ah)", columns.GetProperty("capacityAh").GetString());
        Assert.Equal("OCV (V)", columns.GetProperty("voltageV").GetString());
        Assert.Equal("IR (mOhm)", columns.GetProperty("resistanceMilliOhm").GetString());
        Assert.Equal(2, body.GetProperty("newCells").GetInt32());
        Assert.False(body.GetProperty("imported").GetBoolean());
        await using (var db = await factory.Services.OpenAsync()) Assert.Equal(0, await db.Components.CountAsync());

        using var import = await PostAsync(client, csv, dryRun: false);
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        await using var check = await factory.Services.OpenAsync();
        var cell = await check.Components.SingleAsync(c => c.Serial == "C-0001");
        Assert.Equal((ComponentKind.Cell, "L-1", 6.12, 3.591, 12.1, "import: cells.csv"), (cell.Kind, cell.Lot, cell.CapacityAh, cell.VoltageV, cell.ResistanceMilliOhm, cell.Source));
        var audit = await check.AuditLog.SingleAsync(a => a.Action == CellImporter.AuditAction);
        Assert.Equal(("", "Sven Supervisor", "sven"), (audit.PackId, audit.User, audit.UserLogin));
        Assert.Contains("2 new, 0 updated, 0 unchanged", audit.NewValue);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_mapping_chosen_for_one_file_is_saved_and_applied_to_the_next(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClientAs(TestPeople.Supervisor);
        const string header = "Zelle\tCharge\tKap\tSpannung\tInnenwiderstand\r\n";

        using var first = await PostAsync(client, header + "Z-1\tCH-9\t6.1\t3.59\t12.2\r\n", dryRun: false, "machine-1.tsv",
            new { cellId = "Zelle", lot = "Charge", capacityAh = "Kap", voltageV = "Spannung", resistanceMilliOhm = "Innenwiderstand" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var next = await PostAsync(client, header + "Z-1\tCH-9\t6.1\t3.58\t12.2\r\nZ-2\tCH-9\t6.0\t3.59\t12.4\r\n", dryRun: false, "machine-2.tsv");
        var body = await JsonOf(next);

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("tab", body.GetProperty("delimiter").GetString());
        Assert.Equal("Spannung", body.GetProperty("columns").GetProperty("voltageV").GetString());
        Assert.Equal((1, 1, 0), (body.GetProperty("newCells").GetInt32(), body.GetProperty("updatedCells").GetInt32(), body.GetProperty("unchangedCells").GetInt32()));
        await using var db = await factory.Services.OpenAsync();
        var saved = await db.ImportMappings.SingleAsync(m => m.Kind == "cells");
        Assert.Equal("Sven Supervisor", saved.SavedBy);
        Assert.Equal(3.58, (await db.Components.SingleAsync(c => c.Serial == "Z-1")).VoltageV);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Row_errors_name_the_row_column_value_and_reason_and_nothing_is_imported(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClientAs(TestPeople.Supervisor);
        var csv = string.Join("\n",
            "Cell ID,Lot,Capacity,Voltage,IR",
            "C-1,L1,6.1,3.59,12",
            "bad id!,L1,6.1,3.59,12",
            "C-3,L1,six,3.59,12",
            "C-4,L1,6.1,-3.59,12",
            "C-5,L1,6.1,3590,12",
            "c-1,L1,6.1,3.59,12",
            "C-7,L1,6.1,3.59,12");

        using var response = await PostAsync(client, csv, dryRun: false);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await JsonOf(response)).GetProperty("errors").EnumerateArray()
            .Select(e => (Row: e.GetProperty("row").GetInt32(), Column: e.GetProperty("column").GetString(), Value: e.GetProperty("value").GetString(), Message: e.GetProperty("message").GetString()!))
            .ToList();
        Assert.Equal([3, 4, 5, 6, 7], errors.Select(e => e.Row));
        Assert.Equal(("Cell ID", "bad id!"), (errors[0].Column, errors[0].Value));
        Assert.Contains("not a valid cell ID", errors[0].Message);
        Assert.Equal(("Capacity", "'six' is not a number (Capacity (Ah))."), (errors[1].Column, errors[1].Message));
        Assert.Equal("Voltage (V) cannot be negative.", errors[2].Message);
        Assert.Contains("not a plausible Voltage (V)", errors[3].Message);
        Assert.Equal("Cell C-1 is already in row 2 of this file.", errors[4].Message);
        await using var db = await factory.Services.OpenAsync();
        Assert.Equal(0, await db.Components.CountAsync());
        Assert.Equal(0, await db.AuditLog.CountAsync(a => a.Action == CellImporter.AuditAction));
        Assert.Equal(0, await db.ImportMappings.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Ten_thousand_rows_import_all_or_nothing_in_seconds_and_cells_in_packs_keep_their_link(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClientAs(TestPeople.Supervisor);
        // One cell is already built into a pack: the import changes its values, not its place.
        await using (var db = await factory.Services.OpenAsync())
        {
            var now = DateTime.UtcNow;
            var pack = new Pack { PackId = "BP-CELLS-1", CreatedUtc = now, UpdatedUtc = now };
            db.Packs.Add(pack);
            db.ComponentLinks.Add(new ComponentLink
            {
                Component = new Component { Kind = ComponentKind.Cell, Serial = "CELL-00005", Lot = "OLD", VoltageV = 3.5, CreatedUtc = now, UpdatedUtc = now },
                Pack = pack, Side = Module.X, Position = 1, StageNumber = 1, LinkedUtc = now, LinkedBy = "Asha",
            });
            await db.SaveChangesAsync();
        }
        string Rows(int badRow)
        {
            var text = new StringBuilder("cell_id,lot,capacity_ah,voltage_v,ir_mohm\n");
            for (var i = 1; i <= 10_000; i++)
                text.Append(i == badRow ? $"CELL-{i:00000},LOT-2,oops,3.59,12.0\n" : $"CELL-{i:00000},LOT-2,6.1,3.59,12.0\n");
            return text.ToString();
        }

        using var refused = await PostAsync(client, Rows(badRow: 9_999), dryRun: false);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var error = Assert.Single((await JsonOf(refused)).GetProperty("errors").EnumerateArray());
        Assert.Equal(10_000, error.GetProperty("row").GetInt32()); // data row 9,999 is line 10,000 under the header
        await using (var db = await factory.Services.OpenAsync())
        {
            Assert.Equal(1, await db.Components.CountAsync());
            Assert.Equal("OLD", (await db.Components.SingleAsync()).Lot);
        }

        var clock = Stopwatch.StartNew();
        using var imported = await PostAsync(client, Rows(badRow: 0), dryRun: false);
        clock.Stop();
        output.WriteLine($"{provider}: 10,000 rows imported in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var body = await JsonOf(imported);
        Assert.Equal((9_999, 1, 0), (body.GetProperty("newCells").GetInt32(), body.GetProperty("updatedCells").GetInt32(), body.GetProperty("unchangedCells").GetInt32()));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"10,000 rows took {clock.ElapsedMilliseconds} ms");
        await using var check = await factory.Services.OpenAsync();
        Assert.Equal(10_000, await check.Components.CountAsync(c => c.Kind == ComponentKind.Cell));
        var linked = await check.Components.Include(c => c.Links).SingleAsync(c => c.Serial == "CELL-00005");
        Assert.Equal(("LOT-2", 3.59), (linked.Lot, linked.VoltageV));
        var link = Assert.Single(linked.Links);
        Assert.Null(link.RemovedUtc);
    }

    [Fact]
    public async Task An_operator_may_not_import_and_a_file_over_the_limit_is_refused_with_the_setting_named()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = new MesAppFactory(database, new Dictionary<string, string?> { ["BatteryMes:CellImport:MaxFileBytes"] = "2048" });
        using var operatorClient = factory.CreateClientAs(TestPeople.Operator);
        using var supervisor = factory.CreateClientAs(TestPeople.Supervisor);

        using var forbidden = await PostAsync(operatorClient, "Cell ID\nC-1\n", dryRun: true);
        using var tooLarge = await PostAsync(supervisor, "Cell ID\n" + new string('A', 3000) + "\n", dryRun: true);
        using var form = await supervisor.PostAsync("/api/cells/import", new StringContent("Cell ID\nC-1\n", Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        var problem = await JsonOf(tooLarge);
        Assert.Equal("csv", problem.GetProperty("field").GetString());
        Assert.Contains("BatteryMes:CellImport:MaxFileBytes", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
    }

    [Fact]
    public void A_field_mapped_to_no_column_is_not_matched_by_its_header_name_again()
    {
        var mapping = new Dictionary<CellField, string> { [CellField.CellId] = "Barcode", [CellField.Lot] = "" };

        var file = CellCsvReader.Read("Barcode,Lot,Voltage\nC-1,L-1,3.59\n", mapping);

        Assert.Equal("Barcode", file.Columns[CellField.CellId]);
        Assert.False(file.Columns.ContainsKey(CellField.Lot));
        Assert.Equal("Voltage", file.Columns[CellField.VoltageV]);
        Assert.Null(Assert.Single(file.Rows).Lot);
    }

    [Theory]
    [InlineData("3,59", 3.59)]
    [InlineData("3.59", 3.59)]
    [InlineData("12", 12)]
    [InlineData("1,234.5", 1234.5)]
    public void Numbers_read_with_a_decimal_point_or_an_unambiguous_decimal_comma(string text, double expected)
    {
        Assert.True(CellCsvReader.TryParseNumber(text, out var value));
        Assert.Equal(expected, value, 9);
    }

    [Theory]
    [InlineData("1,234,5")]
    [InlineData("3.5 V")]
    public void Ambiguous_or_unit_carrying_numbers_are_refused(string text) => Assert.False(CellCsvReader.TryParseNumber(text, out _));
}
