using BatteryMes.Tests.Dashboard;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.Identity;

/// <summary>The rules of the people directory against a real database: PINs, passwords, lockout, disabled people,
/// the last admin, logins without regard to case, API keys and the security stamp that ends sessions.</summary>
public sealed class PeopleDirectoryTests : IAsyncLifetime
{
    private static readonly DateTime Start = new(2026, 3, 2, 6, 0, 0, DateTimeKind.Utc);
    private readonly ManualClock _clock = new(Start);
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private PeopleDirectory _people = null!;

    public async Task InitializeAsync()
    {
        _database = TestDatabase.Create(DatabaseProvider.Sqlite);
        _services = await _database.StartAsync(s => s.AddSingleton<TimeProvider>(_clock));
        _people = _services.GetRequiredService<PeopleDirectory>();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<PersonView> AddAsync(string login, Role[] roles, string? pin = null, string? password = null)
    {
        var added = await _people.AddAsync(new NewPerson(login, $"Person {login}", roles, pin, password), "tests");
        Assert.True(added.Succeeded, added.Message);
        return added.Person!;
    }

    [Theory]
    [InlineData("123")]
    [InlineData("123456789")]
    [InlineData("12a4")]
    [InlineData("12 34")]
    [InlineData("١٢٣٤")] // Arabic-Indic digits are not the keypad's digits
    public async Task A_pin_is_4_to_8_digits_when_adding_and_when_resetting(string pin)
    {
        var refused = await _people.AddAsync(new NewPerson("olga", "Olga", [Role.Operator], pin, null), "tests");
        Assert.False(refused.Succeeded);
        Assert.Equal("A PIN is 4 to 8 digits.", refused.Message);
        Assert.Null(await _people.FindAsync("olga"));

        await AddAsync("olga", [Role.Operator], pin: "1234");
        var reset = await _people.SetPinAsync("olga", pin, "tests");
        Assert.False(reset.Succeeded);
        Assert.Equal("A PIN is 4 to 8 digits.", reset.Message);
        Assert.True((await _people.VerifyAsync("olga", "1234", CredentialUse.SignIn)).Accepted);
    }

    [Theory]
    [InlineData("1234")]
    [InlineData("12345678")]
    public async Task Pins_of_4_and_of_8_digits_are_taken_and_sign_in(string pin)
    {
        await AddAsync("olga", [Role.Operator], pin: pin);

        Assert.True((await _people.VerifyAsync("olga", pin, CredentialUse.SignIn)).Accepted);
    }

    [Theory]
    [InlineData(Role.Supervisor)]
    [InlineData(Role.Admin)]
    public async Task Supervisors_and_admins_need_a_password_and_sign_in_with_it_never_with_a_pin(Role role)
    {
        var pinOnly = await _people.AddAsync(new NewPerson("sven", "Sven", [role], "4321", null), "tests");
        Assert.False(pinOnly.Succeeded);
        Assert.Contains("need a password", pinOnly.Message);

        await AddAsync("sven", [role], pin: "4321", password: "sven-password");
        var withPin = await _people.VerifyAsync("sven", "4321", CredentialUse.SignIn);
        var withPassword = await _people.VerifyAsync("sven", "sven-password", CredentialUse.SignIn);

        Assert.Equal(CredentialOutcome.WrongSecret, withPin.Outcome);
        Assert.Contains("sign in with their password, not a PIN", withPin.Message);
        Assert.True(withPassword.Accepted, withPassword.Message);
        Assert.Equal([role], withPassword.Person!.Roles);
        // An operator cannot be given a supervisor's role without a password either.
        await AddAsync("olga", [Role.Operator], pin: "1111");
        var promoted = await _people.SetRolesAsync("olga", [Role.Operator, role], "tests");
        Assert.False(promoted.Succeeded);
        Assert.Contains("Set a password first", promoted.Message);
    }

    [Fact]
    public async Task Five_wrong_pins_lock_the_login_for_five_minutes_even_against_the_right_pin_and_it_opens_again_after()
    {
        await AddAsync("olga", [Role.Operator], pin: "1111");

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await _people.VerifyAsync("olga", "9999", CredentialUse.SignIn);
            Assert.Equal(CredentialOutcome.WrongSecret, wrong.Outcome);
            Assert.Contains($"{5 - attempt} more wrong", wrong.Message);
        }
        var fifth = await _people.VerifyAsync("olga", "9999", CredentialUse.SignIn);
        Assert.Equal(CredentialOutcome.LockedOut, fifth.Outcome);
        Assert.Equal(Start.AddMinutes(5), (await _people.FindAsync("olga"))!.LockedUntilUtc);

        _clock.UtcNow = Start.AddMinutes(5).AddSeconds(-1);
        var stillLocked = await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn);
        Assert.Equal(CredentialOutcome.LockedOut, stillLocked.Outcome);
        Assert.Contains("locked after 5 wrong PINs or passwords", stillLocked.Message);
        Assert.Equal(CredentialOutcome.LockedOut, (await _people.VerifyAsync("olga", "1111", CredentialUse.Signature)).Outcome);

        _clock.UtcNow = Start.AddMinutes(5).AddSeconds(1);
        Assert.True((await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn)).Accepted);
        // The count starts again from nothing: four wrong ones do not lock.
        for (var attempt = 1; attempt <= 4; attempt++) await _people.VerifyAsync("olga", "9999", CredentialUse.SignIn);
        Assert.True((await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn)).Accepted);
    }

    [Fact]
    public async Task An_admin_unlocks_a_locked_login_at_once()
    {
        await AddAsync("olga", [Role.Operator], pin: "1111");
        for (var attempt = 1; attempt <= 5; attempt++) await _people.VerifyAsync("olga", "9999", CredentialUse.SignIn);
        Assert.Equal(CredentialOutcome.LockedOut, (await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn)).Outcome);

        Assert.True((await _people.UnlockAsync("olga", "ada")).Succeeded);

        Assert.True((await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn)).Accepted);
    }

    [Fact]
    public async Task A_disabled_person_is_refused_at_sign_in_at_a_signature_and_with_their_api_key()
    {
        await AddAsync("ada", [Role.Admin], password: "admin-pass-1");
        await AddAsync("olga", [Role.Operator], pin: "1111");
        var (key, _) = await _people.CreateApiKeyAsync("olga", "rig 1", "ada");
        var stamp = (await _people.FindAsync("olga"))!.SecurityStamp;

        Assert.True((await _people.SetDisabledAsync("olga", true, "ada")).Succeeded);

        Assert.Equal(CredentialOutcome.Disabled, (await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn)).Outcome);
        Assert.Equal(CredentialOutcome.Disabled, (await _people.VerifyAsync("olga", "1111", CredentialUse.Signature)).Outcome);
        Assert.Equal(CredentialOutcome.Disabled, (await _people.AuthenticateApiKeyAsync(key!)).Outcome);
        Assert.Null(await _people.CurrentAsync("olga", stamp));
        Assert.False((await _people.CreateApiKeyAsync("olga", "rig 2", "ada")).Outcome.Succeeded);
    }

    [Fact]
    public async Task The_last_admin_cannot_be_disabled_or_lose_the_admin_role_until_there_is_another()
    {
        await AddAsync("ada", [Role.Admin], password: "admin-pass-1");

        var disable = await _people.SetDisabledAsync("ada", true, "ada");
        var demote = await _people.SetRolesAsync("ada", [Role.Supervisor], "ada");

        Assert.False(disable.Succeeded);
        Assert.Contains("last admin", disable.Message);
        Assert.False(demote.Succeeded);
        Assert.Contains("last admin", demote.Message);
        Assert.True(await _people.AnyAdminAsync());
        var ada = (await _people.FindAsync("ada"))!;
        Assert.Equal([Role.Admin], ada.Roles);
        Assert.False(ada.Disabled);

        // A disabled second admin does not count; an enabled one does.
        await AddAsync("abe", [Role.Admin], password: "admin-pass-2");
        Assert.True((await _people.SetDisabledAsync("abe", true, "ada")).Succeeded);
        Assert.False((await _people.SetRolesAsync("ada", [Role.Supervisor], "ada")).Succeeded);
        Assert.True((await _people.SetDisabledAsync("abe", false, "ada")).Succeeded);
        Assert.True((await _people.SetRolesAsync("ada", [Role.Supervisor], "abe")).Succeeded);
        Assert.False((await _people.SetDisabledAsync("abe", true, "abe")).Succeeded);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Logins_are_compared_without_regard_to_case(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await database.StartAsync();
        var people = services.GetRequiredService<PeopleDirectory>();
        Assert.True((await people.AddAsync(new NewPerson("Anna.K", "Anna K", [Role.Operator], "1234", null), "tests")).Succeeded);

        var twin = await people.AddAsync(new NewPerson("ANNA.k", "Another Anna", [Role.Operator], "5678", null), "tests");

        Assert.False(twin.Succeeded);
        Assert.Contains("is taken", twin.Message);
        Assert.Equal("Anna.K", (await people.FindAsync("anna.K"))!.Login);
        var signedIn = await people.VerifyAsync("aNNA.k", "1234", CredentialUse.SignIn);
        Assert.True(signedIn.Accepted, signedIn.Message);
        Assert.Equal("Anna K", signedIn.Person!.FullName);
        Assert.True((await people.VerifyAsync(PeopleDirectory.BadgePayload("ANNA.K"), "1234", CredentialUse.SignIn)).Accepted);
        Assert.Single(await people.ListAsync());
    }

    [Fact]
    public async Task An_api_key_is_shown_once_authenticates_as_its_person_and_stops_working_when_revoked()
    {
        await AddAsync("rig", [Role.Operator, Role.QcInspector], pin: "9999");

        var (key, created) = await _people.CreateApiKeyAsync("rig", "Line 1 tester", "ada");

        Assert.True(created.Succeeded, created.Message);
        Assert.StartsWith("bmes_", key);
        var listed = Assert.Single(await _people.ListApiKeysAsync());
        Assert.Equal(("rig", "Line 1 tester", key![..12], "ada", (DateTime?)null), (listed.Login, listed.Name, listed.Prefix, listed.CreatedBy, listed.RevokedUtc));
        var accepted = await _people.AuthenticateApiKeyAsync(key);
        Assert.True(accepted.Accepted, accepted.Message);
        Assert.Equal("rig", accepted.Person!.Login);
        Assert.Equal([Role.Operator, Role.QcInspector], accepted.Person.Roles);
        Assert.Equal(Start, (await _people.ListApiKeysAsync()).Single().LastUsedUtc);

        Assert.Equal(CredentialOutcome.UnknownLogin, (await _people.AuthenticateApiKeyAsync(key[..^1] + (key[^1] == 'A' ? 'B' : 'A'))).Outcome);
        Assert.Equal(CredentialOutcome.UnknownLogin, (await _people.AuthenticateApiKeyAsync("not-a-key")).Outcome);
        Assert.False((await _people.CreateApiKeyAsync("nobody", "x", "ada")).Outcome.Succeeded);
        Assert.False((await _people.CreateApiKeyAsync("rig", " ", "ada")).Outcome.Succeeded);

        _clock.UtcNow = Start.AddHours(1);
        Assert.True((await _people.RevokeApiKeyAsync(listed.Id, "ada")).Succeeded);
        var revoked = await _people.AuthenticateApiKeyAsync(key);
        Assert.Equal(CredentialOutcome.Disabled, revoked.Outcome);
        Assert.Contains("revoked", revoked.Message);
        Assert.Equal(Start.AddHours(1), (await _people.ListApiKeysAsync()).Single().RevokedUtc);
    }

    [Fact]
    public async Task Resetting_a_pin_changes_the_security_stamp_and_ends_the_sessions_made_with_the_old_one()
    {
        var olga = await AddAsync("olga", [Role.Operator], pin: "1111");
        Assert.NotNull(await _people.CurrentAsync("olga", olga.SecurityStamp));

        Assert.True((await _people.SetPinAsync("olga", "2468", "ada")).Succeeded);

        var after = (await _people.FindAsync("olga"))!;
        Assert.NotEqual(olga.SecurityStamp, after.SecurityStamp);
        Assert.Null(await _people.CurrentAsync("olga", olga.SecurityStamp));
        Assert.NotNull(await _people.CurrentAsync("olga", after.SecurityStamp));
        Assert.False((await _people.VerifyAsync("olga", "1111", CredentialUse.SignIn)).Accepted);
        Assert.True((await _people.VerifyAsync("olga", "2468", CredentialUse.SignIn)).Accepted);
        // Unlocking keeps the sessions going.
        Assert.True((await _people.UnlockAsync("olga", "ada")).Succeeded);
        Assert.Equal(after.SecurityStamp, (await _people.FindAsync("olga"))!.SecurityStamp);
    }
}
