using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>A person every test app has, with their PIN or password.</summary>
public sealed record TestPerson(string Login, string FullName, Role[] Roles, string? Pin, string? Password)
{
    /// <summary>What the person signs with: the PIN if they have one, else the password.</summary>
    public string Secret => Pin ?? Password!;

    public Actor Actor(string? client = "127.0.0.1") => new(FullName, client, Login);

    public override string ToString() => Login;
}

/// <summary>The people seeded into every test app (<see cref="MesAppFactory"/>): one per role, and a test rig that
/// holds every role (the default identity of <c>CreateClient()</c>, so tests about other things need no sign-in code).</summary>
public static class TestPeople
{
    public static readonly TestPerson Operator = new("olga", "Olga Operator", [Role.Operator], "1111", null);
    public static readonly TestPerson SecondOperator = new("otto", "Otto Operator", [Role.Operator], "1112", null);
    public static readonly TestPerson Inspector = new("ivan", "Ivan Inspector", [Role.QcInspector], "2222", null);
    public static readonly TestPerson Supervisor = new("sven", "Sven Supervisor", [Role.Supervisor], null, "supervisor-pass");
    public static readonly TestPerson Admin = new("ada", "Ada Admin", [Role.Admin], null, "admin-pass-1");
    public static readonly TestPerson Rig = new("rig", "Test Rig", [Role.Operator, Role.QcInspector, Role.Supervisor, Role.Admin], "9999", "rig-password");

    public static readonly IReadOnlyList<TestPerson> All = [Operator, SecondOperator, Inspector, Supervisor, Admin, Rig];

    /// <summary>Adds every test person and an API key for each; returns the keys by login.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> SeedAsync(IServiceProvider services)
    {
        var people = services.GetRequiredService<PeopleDirectory>();
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var person in All)
        {
            if (await people.FindAsync(person.Login) is null)
            {
                var added = await people.AddAsync(new NewPerson(person.Login, person.FullName, person.Roles, person.Pin, person.Password), "tests");
                if (!added.Succeeded) throw new InvalidOperationException($"Test person {person.Login}: {added.Message}");
            }
            var (key, outcome) = await people.CreateApiKeyAsync(person.Login, "tests", "tests");
            keys[person.Login] = key ?? throw new InvalidOperationException($"API key for {person.Login}: {outcome.Message}");
        }
        return keys;
    }

    /// <summary>Settings every test app and test service collection starts from: quick hashes (the production count
    /// costs a quarter second per check), and one person may record and sign off, so that tests about other rules can
    /// do both with one identity. The second-person rule has tests of its own that switch it on.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["BatteryMes:Security:HashIterations"] = "10000",
        ["BatteryMes:Security:RequireSecondPersonSignOff"] = "false",
    };
}
