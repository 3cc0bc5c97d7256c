using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.EntityFrameworkCore;
using static BatteryMes.Tests.Identity.IdentityTestKit;

namespace BatteryMes.Tests.Identity;

/// <summary>Who the audit log names for an API save: the person the request signed in as (on real Kestrel, so that the
/// client address is a real connection's), never a name the request carries.</summary>
public class AuditIdentityTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task An_api_save_is_audited_as_the_signed_in_person_with_login_and_address_and_a_typed_name_is_refused_with_nothing_written(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        var address = StartOnKestrel(app);
        using var olga = KestrelClient(app, address, TestPeople.Operator);
        using var otto = KestrelClient(app, address, TestPeople.SecondOperator);
        await CreatePackAsync(olga, "BP-AUD-1");

        using var saved = await olga.PutAsJsonAsync("/api/packs/BP-AUD-1/stages/1", new { results = new[] { new { checkCode = "1.2.1", moduleX = "OK" } }, remarks = "first" });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        await using (var db = await app.Services.OpenAsync())
        {
            var rows = await db.AuditLog.AsNoTracking().Where(a => a.PackId == "BP-AUD-1").ToListAsync();
            Assert.Equal(["Create", "Save"], rows.Select(a => a.Action).Distinct().Order());
            Assert.All(rows, a => Assert.Equal(("Olga Operator", "olga", "127.0.0.1"), (a.User, a.UserLogin, a.Client)));
        }
        var countBefore = await AuditCountAsync(app);
        var stageBefore = await StageAsync(olga, "BP-AUD-1", 1);

        // Otto names somebody else: refused, and nothing at all is written.
        using var typedTechnician = await otto.PutAsJsonAsync("/api/packs/BP-AUD-1/stages/1",
            new { technician = "Someone Else", results = new[] { new { checkCode = "1.2.1", moduleY = "OK" } }, remarks = "second" });
        using var typedInspector = await otto.PutAsJsonAsync("/api/packs/BP-AUD-1/stages/1",
            new { qcInspector = "Someone Else", results = new[] { new { checkCode = "1.2.1", moduleY = "OK" } } });
        using var sven = KestrelClient(app, address, TestPeople.Supervisor);
        using var typedReopener = await sven.PostAsJsonAsync("/api/packs/BP-AUD-1/stages/1/reopen",
            new { reason = "typed name", user = "Someone Else", password = TestPeople.Supervisor.Password });

        foreach (var refused in new[] { typedTechnician, typedInspector, typedReopener })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("Names are not typed", (await ProblemAsync(refused)).GetProperty("title").GetString());
        }
        Assert.Equal(countBefore, await AuditCountAsync(app));
        var stageAfter = await StageAsync(olga, "BP-AUD-1", 1);
        Assert.Equal(stageBefore.GetProperty("eTag").GetString(), stageAfter.GetProperty("eTag").GetString());
        Assert.Equal(("Olga Operator", "first"), (stageAfter.GetProperty("technician").GetString(), stageAfter.GetProperty("remarks").GetString()));

        // Otto's own save is his, with his login, and makes him the technician.
        using var ottoSaves = await otto.PutAsJsonAsync("/api/packs/BP-AUD-1/stages/1", new { results = new[] { new { checkCode = "1.2.1", moduleY = "OK" } } });
        Assert.Equal(HttpStatusCode.OK, ottoSaves.StatusCode);
        Assert.Equal("Otto Operator", (await ottoSaves.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("technician").GetString());
        var history = await olga.GetFromJsonAsync<JsonElement>("/api/packs/BP-AUD-1/history");
        var newest = history.EnumerateArray().TakeWhile(h => h.GetProperty("userLogin").GetString() == "otto").ToList();
        Assert.Equal(["Module Y", "Technician"], newest.Select(h => h.GetProperty("field").GetString()).Order());
        Assert.All(newest, h => Assert.Equal(("Otto Operator", "127.0.0.1"), (h.GetProperty("user").GetString(), h.GetProperty("client").GetString())));
        Assert.DoesNotContain(history.EnumerateArray(), h => h.GetRawText().Contains("Someone Else", StringComparison.Ordinal));
    }

    private static async Task<int> AuditCountAsync(MesAppFactory app)
    {
        await using var db = await app.Services.OpenAsync();
        return await db.AuditLog.CountAsync();
    }
}
