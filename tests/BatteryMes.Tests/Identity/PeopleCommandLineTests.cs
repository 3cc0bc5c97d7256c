using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Backups;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Identity;

/// <summary>The built BatteryMes.dll run as a process, as on a new server where no one can sign in yet: people and API
/// keys from the console, working against the app afterwards.</summary>
public class PeopleCommandLineTests
{
    [Fact]
    public async Task Users_add_reads_the_password_from_stdin_users_list_shows_the_person_and_an_api_key_made_by_api_key_create_works_against_the_app()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);

        var empty = await BackupRig.RunAppAsync(database, ["users", "list"]);
        Assert.True(empty.ExitCode == 0, $"exit {empty.ExitCode}: {empty.Stdout} {empty.Stderr}");
        Assert.Contains("No one can sign in yet", empty.Stdout);

        var added = await BackupRig.RunAppAsync(database,
            ["users", "add", "maria", "--name", "María López", "--role", "Operator", "--role", "QcInspector", "--role", "Supervisor", "--role", "Admin"],
            stdin: "maria-password-1\n");
        Assert.True(added.ExitCode == 0, $"exit {added.ExitCode}: {added.Stdout} {added.Stderr}");
        Assert.Contains("María López (maria) added.", added.Stdout);
        Assert.DoesNotContain("maria-password-1", added.Stdout + added.Stderr);

        var again = await BackupRig.RunAppAsync(database, ["users", "add", "MARIA", "--name", "Another", "--role", "Operator"], stdin: "another-password\n");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is taken", again.Stderr);
        var badRole = await BackupRig.RunAppAsync(database, ["users", "add", "boss", "--name", "Boss", "--role", "Boss"], stdin: "boss-password-1\n");
        Assert.Equal(1, badRole.ExitCode);
        Assert.Contains("'Boss' is not a role", badRole.Stderr);

        var list = await BackupRig.RunAppAsync(database, ["users", "list"]);
        Assert.Equal(0, list.ExitCode);
        var row = Assert.Single(list.Stdout.Split('\n'), l => l.StartsWith("maria ", StringComparison.Ordinal));
        Assert.Contains("María López", row);
        Assert.Contains("Operator, QC inspector, Supervisor, Admin", row);
        Assert.Contains("active", row);
        Assert.DoesNotContain("boss", list.Stdout);

        var created = await BackupRig.RunAppAsync(database, ["api-key", "create", "--user", "maria", "--name", "Line 1 tester"]);
        Assert.True(created.ExitCode == 0, $"exit {created.ExitCode}: {created.Stdout} {created.Stderr}");
        var key = created.Stdout.Trim();
        Assert.StartsWith("bmes_", key);
        Assert.Contains("shown only once", created.Stderr);
        Assert.Equal(1, (await BackupRig.RunAppAsync(database, ["api-key", "create", "--user", "nobody", "--name", "x"])).ExitCode);
        SqliteConnection.ClearAllPools();

        await using var app = new MesAppFactory(database);
        using var client = app.CreateClientAs(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/packs", new { packId = "BP-CLI-KEY-1" })).StatusCode);
        var history = await client.GetFromJsonAsync<JsonElement>("/api/packs/BP-CLI-KEY-1/history");
        var created1 = Assert.Single(history.EnumerateArray());
        Assert.Equal(("María López", "maria"), (created1.GetProperty("user").GetString(), created1.GetProperty("userLogin").GetString()));
        // The password read from standard input is the one the person signs in with.
        var people = app.Services.GetRequiredService<PeopleDirectory>();
        Assert.True((await people.VerifyAsync("maria", "maria-password-1", CredentialUse.SignIn)).Accepted);
        using var wrongKey = app.CreateClientAs(null);
        wrongKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAsync("/api/packs/BP-CLI-KEY-1")).StatusCode);
    }
}
