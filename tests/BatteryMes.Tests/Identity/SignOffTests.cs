using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using static BatteryMes.Tests.Identity.IdentityTestKit;

namespace BatteryMes.Tests.Identity;

/// <summary>The electronic signature of a sign-off over the API: the caller's own PIN or password, its record, the
/// lockout, and the rule that someone other than the only person who recorded a stage signs it off.</summary>
public class SignOffTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_sign_off_with_the_callers_pin_records_them_as_qc_inspector_with_login_meaning_and_a_signature_row(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database);
        using var olga = app.CreateClientAs(TestPeople.Operator);
        using var ivan = app.CreateClientAs(TestPeople.Inspector);
        await CreatePackAsync(olga, "BP-SIGN-1");
        await RecordAsync(app, olga, "BP-SIGN-1", 1);

        using var signed = await CompleteAsync(ivan, "BP-SIGN-1", 1, TestPeople.Inspector);

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var stage = await signed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Completed (QC OK)", "Ivan Inspector", "ivan", "Olga Operator"), (stage.GetProperty("status").GetString(),
            stage.GetProperty("qcInspector").GetString(), stage.GetProperty("signedOffBy").GetString(), stage.GetProperty("technician").GetString()));
        await using (var db = await app.Services.OpenAsync())
        {
            var record = await db.StageRecords.AsNoTracking().SingleAsync(s => s.Pack.PackId == "BP-SIGN-1" && s.StageNumber == 1);
            Assert.Equal(("Ivan Inspector", "ivan", "Approved"), (record.QcInspector, record.SignedOffBy, record.SignOffMeaning));
            Assert.NotNull(record.CompletedUtc);
        }
        var history = (await ivan.GetFromJsonAsync<JsonElement>("/api/packs/BP-SIGN-1/history")).EnumerateArray().ToList();
        var signature = Assert.Single(history, h => h.GetProperty("action").GetString() == "Complete" && h.GetProperty("field").GetString() == "Signature");
        Assert.Equal(("Ivan Inspector", "ivan"), (signature.GetProperty("user").GetString(), signature.GetProperty("userLogin").GetString()));
        Assert.StartsWith("Approved: I have reviewed stage 1 (", signature.GetProperty("newValue").GetString());
        Assert.EndsWith("of pack BP-SIGN-1 and approve it.", signature.GetProperty("newValue").GetString());
        Assert.Contains(history, h => h.GetProperty("field").GetString() == "QC inspector" && h.GetProperty("newValue").GetString() == "Ivan Inspector");
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_403_and_five_lock_the_signer_even_against_the_right_pin_until_the_lockout_ends()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, Settings(("BatteryMes:Security:LockoutDuration", "00:00:03")));
        using var olga = app.CreateClientAs(TestPeople.Operator);
        using var ivan = app.CreateClientAs(TestPeople.Inspector);
        await CreatePackAsync(olga, "BP-SIGN-2");
        await RecordAsync(app, olga, "BP-SIGN-2", 1);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await CompleteAsync(ivan, "BP-SIGN-2", 1, TestPeople.Inspector, secret: "0000");
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
            var problem = await ProblemAsync(wrong);
            Assert.Equal("Signature refused", problem.GetProperty("title").GetString());
            Assert.Contains(attempt < 5 ? "Wrong PIN or password" : "is locked", problem.GetProperty("detail").GetString());
        }
        Assert.Equal("Ready to complete", (await StageAsync(ivan, "BP-SIGN-2", 1)).GetProperty("status").GetString());

        using (var locked = await CompleteAsync(ivan, "BP-SIGN-2", 1, TestPeople.Inspector))
        {
            Assert.Equal(HttpStatusCode.Forbidden, locked.StatusCode);
            Assert.Contains("is locked after 5 wrong PINs or passwords", (await ProblemAsync(locked)).GetProperty("detail").GetString());
        }
        var stage = await StageAsync(ivan, "BP-SIGN-2", 1);
        Assert.Equal(("Ready to complete", JsonValueKind.Null), (stage.GetProperty("status").GetString(), stage.GetProperty("qcInspector").ValueKind));

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        using var signed = await CompleteAsync(ivan, "BP-SIGN-2", 1, TestPeople.Inspector);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal("ivan", (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("signedOffBy").GetString());
    }

    [Fact]
    public async Task With_the_second_person_rule_the_only_recorder_cannot_sign_and_another_inspector_can()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database, Settings(("BatteryMes:Security:RequireSecondPersonSignOff", "true")));
        var quinn = new TestPerson("quinn", "Quinn Both", [Role.Operator, Role.QcInspector], "3333", null);
        using var quinnClient = await AddPersonAsync(app, quinn);
        using var olga = app.CreateClientAs(TestPeople.Operator);
        using var ivan = app.CreateClientAs(TestPeople.Inspector);
        var checks = CheckCodes(app, 1);

        // Quinn records every result and may sign off in general, but not this stage.
        await CreatePackAsync(quinnClient, "BP-2P-1");
        await RecordAsync(app, quinnClient, "BP-2P-1", 1);
        using (var own = await CompleteAsync(quinnClient, "BP-2P-1", 1, quinn))
        {
            Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
            var problem = await ProblemAsync(own);
            Assert.Equal("Second person required", problem.GetProperty("title").GetString());
            Assert.Contains("Quinn Both recorded every result", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(JsonValueKind.Null, (await StageAsync(ivan, "BP-2P-1", 1)).GetProperty("completedUtc").ValueKind);
        using (var other = await CompleteAsync(ivan, "BP-2P-1", 1, TestPeople.Inspector))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Equal("Ivan Inspector", (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("qcInspector").GetString());
        }

        // Olga records every result; she cannot sign at all (no role), Ivan can.
        await CreatePackAsync(olga, "BP-2P-2");
        await RecordAsync(app, olga, "BP-2P-2", 1);
        using (var olgaSigns = await CompleteAsync(olga, "BP-2P-2", 1, TestPeople.Operator))
        {
            Assert.Equal(HttpStatusCode.Forbidden, olgaSigns.StatusCode);
            Assert.Contains("This needs the QC inspector or Supervisor role.", (await ProblemAsync(olgaSigns)).GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(ivan, "BP-2P-2", 1, TestPeople.Inspector)).StatusCode);

        // Recorded by two people, signed by one of them: accepted.
        await CreatePackAsync(olga, "BP-2P-3");
        await RecordAsync(app, quinnClient, "BP-2P-3", 1, checks[..2]);
        await RecordAsync(app, olga, "BP-2P-3", 1, checks[2..]);
        using var shared = await CompleteAsync(quinnClient, "BP-2P-3", 1, quinn);
        Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
        Assert.Equal("quinn", (await shared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("signedOffBy").GetString());
    }
}
