using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Genealogy;

/// <summary>Cells and modules scanned into packs, rework, trace both ways, lot recall and holds, over the JSON API on
/// both databases.</summary>
public class GenealogyApiTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Scanned_cells_are_fitted_in_scan_order_and_a_second_scan_of_one_says_it_is_already_there(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1");

        var first = await app.ScanAsync("BP-1", 1, "X", "C-0001");
        var second = await app.ScanAsync("BP-1", 1, "X", "C-0002");
        var again = await app.ScanAsync("BP-1", 1, "X", "c-0001");
        var intoY = await app.ScanAsync("BP-1", 1, "Y", "C-0003");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var duplicate = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("AlreadyHere", duplicate.GetProperty("outcome").GetString());
        Assert.Equal("Cell C-0001 is already in Module X, position 1.", duplicate.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Created, intoY.StatusCode);

        var components = await app.Client.GetFromJsonAsync<JsonElement>("/api/packs/bp-1/components");
        var cells = components.GetProperty("cells").EnumerateArray().Select(c => (c.GetProperty("side").GetString(), c.GetProperty("position").GetInt32(), c.GetProperty("serial").GetString())).ToList();
        Assert.Equal([("X", 1, "C-0001"), ("X", 2, "C-0002"), ("Y", 1, "C-0003")], cells);
        var history = await app.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/history");
        var links = history.EnumerateArray().Where(h => h.GetProperty("action").GetString() == "Component").ToList();
        Assert.Equal(3, links.Count);
        Assert.All(links, h => Assert.Equal("rig", h.GetProperty("userLogin").GetString()));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_cell_in_place_in_another_pack_is_refused_with_the_pack_and_module_that_hold_it(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1", "BP-2");
        await app.ScanAsync("BP-1", 1, "Y", "C-7");

        var elsewhere = await app.ScanAsync("BP-2", 1, "X", "c-7");
        var otherSide = await app.ScanAsync("BP-1", 1, "X", "C-7");

        Assert.Equal(HttpStatusCode.Conflict, elsewhere.StatusCode);
        Assert.Equal("application/problem+json", elsewhere.Content.Headers.ContentType?.MediaType);
        var problem = await elsewhere.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Cell C-7 is already in pack BP-1, Module Y, position 1. A supervisor removes it there in rework before it can be fitted here.",
            problem.GetProperty("detail").GetString());
        Assert.Equal("BP-1", problem.GetProperty("heldBy").GetProperty("packId").GetString());
        Assert.Equal(HttpStatusCode.Conflict, otherSide.StatusCode);
        var bp2 = await app.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-2/components");
        Assert.Equal(0, bp2.GetProperty("cells").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_lower_case_scan_finds_the_imported_upper_case_cell_and_keeps_its_values(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1");
        await app.AddCellsAsync("LOT-A", 3.591, 11.9, "CELL-A1");

        var scanned = await app.ScanAsync("BP-1", 1, "X", " cell-a1 ", voltage: 3.2);
        var trace = await app.Client.GetFromJsonAsync<JsonElement>("/api/trace/cells/Cell-A1");

        Assert.Equal(HttpStatusCode.Created, scanned.StatusCode);
        var cell = (await scanned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("component");
        Assert.Equal("CELL-A1", cell.GetProperty("serial").GetString());
        Assert.Equal(3.591, cell.GetProperty("voltageV").GetDouble());
        Assert.Equal(11.9, cell.GetProperty("resistanceMilliOhm").GetDouble());
        Assert.Equal("LOT-A", trace.GetProperty("lot").GetString());
        Assert.Equal("BP-1", trace.GetProperty("pack").GetProperty("packId").GetString());
        Assert.Equal("X", trace.GetProperty("current").GetProperty("side").GetString());
        Assert.Equal(1, await app.CountAsync(db => db.Components.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Module_assembly_writes_the_module_serials_and_pack_assembly_confirms_them_and_refuses_another_packs_module(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1", "BP-2");
        Assert.Equal(HttpStatusCode.Created, (await app.ScanAsync("BP-1", 2, "X", "mod-x1")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.ScanAsync("BP-2", 2, "X", "MOD-X2")).StatusCode);

        var confirmed = await app.ScanAsync("BP-1", 7, "X", "MOD-X1");
        var linkedAtPackAssembly = await app.ScanAsync("BP-1", 7, "Y", "MOD-Y1");
        var foreign = await app.ScanAsync("BP-1", 7, "X", "MOD-X2");
        var secondOnX = await app.ScanAsync("BP-2", 2, "X", "MOD-X9");

        Assert.Equal("Confirmed", (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.Created, linkedAtPackAssembly.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, foreign.StatusCode);
        Assert.Contains("already in pack BP-2, Module X", await foreign.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, secondOnX.StatusCode);
        Assert.Contains("Module X of pack BP-2 is module MOD-X2", await secondOnX.Content.ReadAsStringAsync());
        var pack = await app.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1");
        Assert.Equal("MOD-X1", pack.GetProperty("moduleXSerial").GetString());
        Assert.Equal("MOD-Y1", pack.GetProperty("moduleYSerial").GetString());
        var module = await app.Client.GetFromJsonAsync<JsonElement>("/api/trace/modules/mod-x1");
        Assert.Equal("BP-1", module.GetProperty("pack").GetProperty("packId").GetString());
        Assert.Equal(2, module.GetProperty("current").GetProperty("stage").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_supervisor_replaces_a_cell_with_a_reason_and_the_history_keeps_both_while_an_operator_is_refused(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1");
        await app.ScanAsync("BP-1", 1, "X", "C-1");
        var link = (await (await app.ScanAsync("BP-1", 1, "X", "C-2")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("component").GetProperty("linkId").GetInt64();
        using var olga = app.Factory.CreateClientAs(TestPeople.Operator);
        using var sven = app.Factory.CreateClientAs(TestPeople.Supervisor);

        var byOperator = await olga.PostAsJsonAsync($"/api/packs/BP-1/components/{link}/replace", new { serial = "C-9", reason = "dented" });
        var noReason = await sven.PostAsJsonAsync($"/api/packs/BP-1/components/{link}/replace", new { serial = "C-9", reason = " " });
        var replaced = await sven.PostAsJsonAsync($"/api/packs/BP-1/components/{link}/replace", new { serial = "c-9", reason = "Cell dented at loading" });

        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", (await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var components = await app.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/components");
        var cells = components.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(["C-1", "C-9"], cells.Select(c => c.GetProperty("serial").GetString()));
        Assert.Equal(2, cells[1].GetProperty("position").GetInt32());
        var removed = Assert.Single(components.GetProperty("removed").EnumerateArray());
        Assert.Equal("C-2", removed.GetProperty("serial").GetString());
        Assert.Equal("Cell dented at loading", removed.GetProperty("removedReason").GetString());
        Assert.Equal("Sven Supervisor", removed.GetProperty("removedBy").GetString());
        Assert.Equal(cells[1].GetProperty("linkId").GetInt64(), removed.GetProperty("replacedByLinkId").GetInt64());
        // The removed cell is free again: it may go into another module.
        Assert.Equal(HttpStatusCode.Created, (await app.ScanAsync("BP-1", 1, "Y", "C-2")).StatusCode);
        var cellTrace = await app.Client.GetFromJsonAsync<JsonElement>("/api/trace/cells/C-2");
        Assert.Equal(2, cellTrace.GetProperty("history").GetArrayLength());
        var history = await app.Client.GetFromJsonAsync<JsonElement>("/api/packs/BP-1/history");
        var replace = history.EnumerateArray().Single(h => h.GetProperty("action").GetString() == "Component" && h.GetProperty("field").GetString()!.EndsWith("replace"));
        Assert.Equal("C-2", replace.GetProperty("oldValue").GetString());
        Assert.Equal("C-9", replace.GetProperty("newValue").GetString());
        Assert.Equal("sven", replace.GetProperty("userLogin").GetString());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_lot_traces_to_the_packs_holding_its_cells_paged_and_as_csv(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1", "BP-2", "BP-3");
        await app.AddCellsAsync("LOT-R", 3.59, 12, "R-1", "R-2", "R-3", "R-4");
        await app.AddCellsAsync("LOT-OK", 3.59, 12, "K-1");
        await app.ScanAsync("BP-1", 1, "X", "R-1");
        await app.ScanAsync("BP-1", 1, "Y", "R-2");
        await app.ScanAsync("BP-3", 1, "X", "R-3");
        await app.ScanAsync("BP-2", 1, "X", "K-1");

        var page1 = await app.Client.GetFromJsonAsync<JsonElement>("/api/trace/lots/lot-r?pageSize=1");
        var page2 = await app.Client.GetFromJsonAsync<JsonElement>("/api/trace/lots/LOT-R?page=2&pageSize=1");
        var csv = await app.Client.GetAsync("/api/trace/lots/LOT-R/packs.csv");
        var badPage = await app.Client.GetAsync("/api/trace/lots/LOT-R?pageSize=501");

        Assert.Equal(4, page1.GetProperty("cellsInLot").GetInt32());
        Assert.Equal(2, page1.GetProperty("packCount").GetInt32());
        var first = Assert.Single(page1.GetProperty("packs").EnumerateArray());
        Assert.Equal("BP-1", first.GetProperty("pack").GetProperty("packId").GetString());
        Assert.Equal(2, first.GetProperty("cellsOfLot").GetInt32());
        Assert.Equal("Not started", first.GetProperty("pack").GetProperty("status").GetString());
        Assert.Equal("BP-3", page2.GetProperty("packs")[0].GetProperty("pack").GetProperty("packId").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Lot,Pack ID,Pack status", lines[0]);
        Assert.StartsWith("LOT-R,BP-1,Not started,1,Cell sorting,2", lines[1]);
        Assert.StartsWith("LOT-R,BP-3,", lines[2]);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Holding_a_lot_puts_its_packs_on_hold_their_stages_are_not_completed_and_a_release_lifts_it(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1", "BP-2");
        await app.AddCellsAsync("LOT-R", 3.59, 12, "R-1");
        await app.ScanAsync("BP-1", 1, "X", "R-1");
        var recorder = app.Factory.Services.GetRequiredService<PackRecorder>();
        var route = app.Factory.Services.GetRequiredService<ProcessRoute>();
        Assert.True((await recorder.SaveStageAsync(new StageSave("BP-1", 1, TestChecks.Passing(route.GetStage(1))), TestPeople.Rig.Actor())).Succeeded);
        using var olga = app.Factory.CreateClientAs(TestPeople.Operator);
        using var sven = app.Factory.CreateClientAs(TestPeople.Supervisor);

        var byOperator = await olga.PostAsJsonAsync("/api/trace/lots/LOT-R/hold", new { reason = "recall" });
        var noReason = await sven.PostAsJsonAsync("/api/trace/lots/LOT-R/hold", new { reason = "" });
        var held = await sven.PostAsJsonAsync("/api/trace/lots/lot-r/hold", new { reason = "=Supplier recall 2027-01" });
        var complete = await app.Client.PostAsJsonAsync("/api/packs/BP-1/stages/1/complete", new { pin = TestPeople.Rig.Pin });
        var onHold = await app.Client.GetFromJsonAsync<JsonElement>("/api/holds");
        var csv = await app.Client.GetStringAsync("/api/trace/lots/LOT-R/packs.csv");

        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.Equal(["BP-1"], (await held.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("packIds").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);
        Assert.Contains("Pack BP-1 is on hold: =Supplier recall 2027-01.", await complete.Content.ReadAsStringAsync());
        var entry = Assert.Single(onHold.EnumerateArray());
        Assert.Equal("Sven Supervisor", entry.GetProperty("heldBy").GetString());
        Assert.Contains(",'=Supplier recall 2027-01,", csv);
        Assert.Equal(1, await app.CountAsync(db => db.AuditLog.CountAsync(a => a.PackId == "BP-1" && a.Action == "Hold" && a.UserLogin == "sven")));

        var released = await sven.PostAsJsonAsync("/api/packs/BP-1/release", new { reason = "Lot cleared by supplier" });
        var completeAfter = await app.Client.PostAsJsonAsync("/api/packs/BP-1/stages/1/complete", new { pin = TestPeople.Rig.Pin });

        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(HttpStatusCode.OK, completeAfter.StatusCode);
        Assert.Equal(0, (await app.Client.GetFromJsonAsync<JsonElement>("/api/holds")).GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Scanning_needs_a_role_that_records_results_and_trace_needs_sign_in(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1");
        using var anonymous = app.Factory.CreateClientAs(null);
        using var ada = app.Factory.CreateClientAs(TestPeople.Admin);
        using var olga = app.Factory.CreateClientAs(TestPeople.Operator);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/trace/lots/LOT-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/packs/BP-1/stages/1/components", new { side = "X", serial = "C-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ada.PostAsJsonAsync("/api/packs/BP-1/stages/1/components", new { side = "X", serial = "C-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.GetAsync("/api/packs/BP-1/components")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await olga.PostAsJsonAsync("/api/packs/BP-1/stages/1/components", new { side = "X", serial = "C-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await olga.PostAsJsonAsync("/api/packs/BP-1/hold", new { reason = "why" })).StatusCode);
        var wrongStage = await olga.PostAsJsonAsync("/api/packs/BP-1/stages/3/components", new { side = "X", serial = "C-2" });
        var badSerial = await olga.PostAsJsonAsync("/api/packs/BP-1/stages/1/components", new { side = "X", serial = "C 2" });
        var badSide = await olga.PostAsJsonAsync("/api/packs/BP-1/stages/1/components", new { side = "Z", serial = "C-2" });
        var notJson = await olga.PostAsync("/api/packs/BP-1/stages/1/components", new StringContent("side=X&serial=C-2", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongStage.StatusCode);
        Assert.Contains("cell ID", await badSerial.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badSide.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Two_stations_fitting_the_same_cell_into_two_packs_at_once_one_wins_and_the_other_is_told_where_it_is(DatabaseProvider provider)
    {
        await using var app = await GenealogyApp.StartAsync(provider, "BP-1", "BP-2");
        using var second = app.Factory.CreateClient();
        for (var i = 0; i < 15; i++)
        {
            var serial = $"RACE-{i}";
            var answers = await Task.WhenAll(app.ScanAsync("BP-1", 1, "X", serial), app.ScanAsync("BP-2", 1, "Y", serial, client: second));

            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
            var refusal = await answers.Single(a => a.StatusCode == HttpStatusCode.Conflict).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Matches($"^Cell {serial} is already in pack BP-[12], Module [XY], position", refusal.GetProperty("detail").GetString());
        }
        Assert.Equal(15, await app.CountAsync(db => db.ComponentLinks.CountAsync(l => l.RemovedUtc == null)));
        Assert.Equal(15, await app.CountAsync(db => db.Components.CountAsync()));
    }

    /// <summary>The app with the given packs registered.</summary>
    private sealed class GenealogyApp : IAsyncDisposable
    {
        private readonly TestDatabase _database;

        private GenealogyApp(TestDatabase database)
        {
            _database = database;
            Factory = new MesAppFactory(database);
            Client = Factory.CreateClient();
        }

        public MesAppFactory Factory { get; }
        public HttpClient Client { get; }

        public static async Task<GenealogyApp> StartAsync(DatabaseProvider provider, params string[] packIds)
        {
            var app = new GenealogyApp(TestDatabase.Create(provider));
            foreach (var packId in packIds)
                Assert.Equal(HttpStatusCode.Created, (await app.Client.PostAsJsonAsync("/api/packs", new { packId })).StatusCode);
            return app;
        }

        public Task<HttpResponseMessage> ScanAsync(string packId, int stage, string side, string serial, double? voltage = null, HttpClient? client = null) =>
            (client ?? Client).PostAsJsonAsync($"/api/packs/{packId}/stages/{stage}/components", new { side, serial, voltageV = voltage });

        /// <summary>Cells as an import of the supplier's data leaves them (the import itself is another feature's).</summary>
        public async Task AddCellsAsync(string lot, double voltage, double resistance, params string[] serials)
        {
            await using var db = await Factory.Services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync();
            var now = DateTime.UtcNow;
            foreach (var serial in serials)
                db.Components.Add(new Component { Kind = ComponentKind.Cell, Serial = serial, Lot = lot, VoltageV = voltage, ResistanceMilliOhm = resistance, CapacityAh = 50, Source = "import: test.csv", CreatedUtc = now, UpdatedUtc = now });
            await db.SaveChangesAsync();
        }

        public async Task<int> CountAsync(Func<MesDbContext, Task<int>> count)
        {
            await using var db = await Factory.Services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync();
            return await count(db);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Factory.DisposeAsync();
            await _database.DisposeAsync();
        }
    }
}
