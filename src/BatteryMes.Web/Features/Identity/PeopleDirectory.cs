using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Identity;

/// <summary>A person as the rest of the app sees them (never the hashes).</summary>
public sealed record PersonView(long Id, string Login, string FullName, IReadOnlyList<Role> Roles, bool Disabled, bool HasPin,
    bool HasPassword, DateTime? LockedUntilUtc, string SecurityStamp)
{
    public bool Can(Capability capability) => RoleRules.Allows(Roles, capability);

    /// <summary>Supervisors and admins sign in with a password only; a PIN is for shop-floor roles.</summary>
    public bool NeedsPassword => Roles.Contains(Role.Supervisor) || Roles.Contains(Role.Admin);

    internal static PersonView From(Person p) => new(p.Id, p.Login, p.FullName, RoleRules.Load(p.Roles), p.Disabled, p.PinHash is not null,
        p.PasswordHash is not null, p.LockedUntilUtc, p.SecurityStamp);
}

public sealed record ApiKeyView(long Id, string Login, string PersonName, string Name, string Prefix, DateTime CreatedUtc, string? CreatedBy,
    DateTime? RevokedUtc, DateTime? LastUsedUtc);

/// <summary>Why a sign-in or a signature was or was not accepted.</summary>
public enum CredentialOutcome
{
    Accepted,
    Invalid,
    UnknownLogin,
    Disabled,
    LockedOut,
    WrongSecret,
}

public sealed record CredentialCheck(CredentialOutcome Outcome, string Message, PersonView? Person = null)
{
    public bool Accepted => Outcome == CredentialOutcome.Accepted;
}

/// <summary>What a person is being asked for: signing in at a station (supervisors and admins by password), signing a
/// record with a PIN or password (sign-off, reopen), or signing with a password only (restore).</summary>
public enum CredentialUse
{
    SignIn,
    Signature,
    PasswordSignature,
}

public sealed record NewPerson(string? Login, string? FullName, IReadOnlyList<Role> Roles, string? Pin, string? Password);

public sealed record PeopleChange(bool Succeeded, string Message, PersonView? Person = null);

/// <summary>The people who may sign in, their PINs and passwords (PBKDF2 hashes), lockout and API keys.</summary>
public sealed partial class PeopleDirectory(IDbContextFactory<MesDbContext> contexts, IOptionsMonitor<SecurityOptions> options, TimeProvider time,
    ILogger<PeopleDirectory> log)
{
    public const int MaxLoginLength = 64;
    public const int MaxNameLength = 100;
    public const int MinPasswordLength = 8;
    public const int MaxSecretLength = 256;
    /// <summary>What a badge label encodes before the login, so that the pack scan field can tell a badge from a pack.</summary>
    public const string BadgePrefix = "BMES-BADGE:";
    private const string ApiKeyPrefix = "bmes_";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")]
    private static partial Regex LoginPattern();

    [GeneratedRegex(@"^[0-9]{4,8}$")]
    private static partial Regex PinPattern();

    public static string Normalize(string login) => login.Trim().ToUpperInvariant();

    /// <summary>The login in a scanned or typed text: a badge payload (<see cref="BadgePrefix"/>) or the login itself.</summary>
    public static string LoginFromScan(string? text)
    {
        var t = (text ?? "").Trim();
        return t.StartsWith(BadgePrefix, StringComparison.OrdinalIgnoreCase) ? t[BadgePrefix.Length..].Trim() : t;
    }

    public static bool IsBadge(string? text) => (text ?? "").Trim().StartsWith(BadgePrefix, StringComparison.OrdinalIgnoreCase);

    public static string BadgePayload(string login) => BadgePrefix + login;

    public static bool IsWellFormedPin(string? pin) => pin is not null && PinPattern().IsMatch(pin);

    public async Task<bool> AnyAdminAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var roles = await db.People.Where(p => !p.Disabled).Select(p => p.Roles).ToListAsync(ct);
        return roles.Any(r => RoleRules.Load(r).Contains(Role.Admin));
    }

    public async Task<IReadOnlyList<PersonView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var people = await db.People.AsNoTracking().OrderBy(p => p.NormalizedLogin).ToListAsync(ct);
        return people.Select(PersonView.From).ToList();
    }

    public async Task<PersonView?> FindAsync(string login, CancellationToken ct = default)
    {
        var key = Normalize(login);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.NormalizedLogin == key, ct);
        return person is null ? null : PersonView.From(person);
    }

    /// <summary>PIN and password checks running at once: each is a deliberately slow PBKDF2 hash (a sixth of a second
    /// of CPU at the default iterations), so a burst of sign-ins and sign-offs waits its turn on all cores but one
    /// instead of taking every core from saves and pages.</summary>
    private static readonly SemaphoreSlim HashSlots = new(Math.Max(1, Environment.ProcessorCount - 1));

    /// <summary>Checks a login and a PIN or password, counting wrong ones towards the lockout.</summary>
    public async Task<CredentialCheck> VerifyAsync(string? login, string? secret, CredentialUse use, CancellationToken ct = default)
    {
        login = LoginFromScan(login);
        if (login.Length == 0) return new(CredentialOutcome.Invalid, "Scan your badge or type your login.");
        if (string.IsNullOrEmpty(secret)) return new(CredentialOutcome.Invalid, "Enter your PIN or password.");
        if (login.Length > MaxLoginLength || secret.Length > MaxSecretLength) return new(CredentialOutcome.Invalid, "The login or the PIN/password is too long.");
        var settings = options.CurrentValue;
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = Normalize(login);
        var person = await db.People.FirstOrDefaultAsync(p => p.NormalizedLogin == key, ct);
        var shown = EchoedInput.Display(login, MaxLoginLength);
        if (person is null) return new(CredentialOutcome.UnknownLogin, $"No one has the login {shown}. Check the badge or ask an admin to add you.");
        if (person.Disabled) return new(CredentialOutcome.Disabled, $"The login {shown} is disabled. Ask an admin.");
        if (person.LockedUntilUtc is { } until && until > now)
            return new(CredentialOutcome.LockedOut, LockedMessage(shown, until, now, settings));

        var view = PersonView.From(person);
        var pinAllowed = use == CredentialUse.Signature || use == CredentialUse.SignIn && !view.NeedsPassword;
        bool accepted;
        await HashSlots.WaitAsync(ct);
        try
        {
            accepted = (pinAllowed && IsWellFormedPin(secret) && SecretHash.Verify(secret, person.PinHash))
                || SecretHash.Verify(secret, person.PasswordHash);
        }
        finally
        {
            HashSlots.Release();
        }
        if (accepted)
        {
            if (person.FailedAttempts != 0 || person.LockedUntilUtc is not null)
            {
                person.FailedAttempts = 0;
                person.LockedUntilUtc = null;
                await db.SaveChangesAsync(ct);
            }
            return new(CredentialOutcome.Accepted, "", view);
        }

        person.FailedAttempts++;
        var message = !pinAllowed && IsWellFormedPin(secret) && person.PasswordHash is not null
            ? use == CredentialUse.SignIn ? "Supervisors and admins sign in with their password, not a PIN." : "This needs your password, not a PIN."
            : "Wrong PIN or password.";
        if (person.FailedAttempts >= settings.LockoutAttempts)
        {
            person.FailedAttempts = 0;
            person.LockedUntilUtc = now + settings.LockoutDuration;
            log.LogWarning("Login {Login} locked until {Until} after {Attempts} wrong PINs or passwords", person.Login, person.LockedUntilUtc, settings.LockoutAttempts);
            message = LockedMessage(shown, person.LockedUntilUtc.Value, now, settings);
            await db.SaveChangesAsync(ct);
            return new(CredentialOutcome.LockedOut, message);
        }
        await db.SaveChangesAsync(ct);
        var left = settings.LockoutAttempts - person.FailedAttempts;
        return new(CredentialOutcome.WrongSecret, $"{message} {left} more wrong {(left == 1 ? "attempt locks" : "attempts lock")} the login for {Minutes(settings.LockoutDuration)}.");
    }

    private static string LockedMessage(string shown, DateTime until, DateTime now, SecurityOptions settings) =>
        $"The login {shown} is locked after {settings.LockoutAttempts} wrong PINs or passwords. Try again in {Minutes(until - now)}, or ask an admin to unlock it.";

    private static string Minutes(TimeSpan span) =>
        span.TotalSeconds < 90 ? $"{Math.Max(1, (int)Math.Ceiling(span.TotalSeconds))} seconds" : $"{(int)Math.Ceiling(span.TotalMinutes)} minutes";

    /// <summary>True while the person exists, is enabled and their security stamp is still <paramref name="stamp"/>.</summary>
    public async Task<PersonView?> CurrentAsync(string login, string stamp, CancellationToken ct = default)
    {
        var person = await FindAsync(login, ct);
        return person is { Disabled: false } && person.SecurityStamp == stamp ? person : null;
    }

    public async Task<PeopleChange> AddAsync(NewPerson request, string? byLogin, CancellationToken ct = default)
    {
        var login = (request.Login ?? "").Trim();
        var name = (request.FullName ?? "").Trim();
        if (!LoginPattern().IsMatch(login))
            return Refused("A login is 2 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.");
        if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
            return Refused($"Give the person's full name (at most {MaxNameLength} characters).");
        if (request.Roles.Count == 0) return Refused("Give the person at least one role.");
        if (CheckSecrets(request.Roles, request.Pin, request.Password, creating: true) is { } problem) return Refused(problem);
        var now = time.GetUtcNow().UtcDateTime;
        var person = new Person
        {
            Login = login,
            NormalizedLogin = Normalize(login),
            FullName = name,
            Roles = RoleRules.Store(request.Roles),
            PinHash = string.IsNullOrEmpty(request.Pin) ? null : Hash(request.Pin),
            PasswordHash = string.IsNullOrEmpty(request.Password) ? null : Hash(request.Password),
            SecurityStamp = NewStamp(),
            CreatedUtc = now,
            UpdatedUtc = now,
        };
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.People.AnyAsync(p => p.NormalizedLogin == person.NormalizedLogin, ct))
            return Refused($"The login {EchoedInput.Display(login, MaxLoginLength)} is taken. Logins are compared without regard to case.");
        db.People.Add(person);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two admins adding the same login at once: the unique index decides.
            if (!await LoginTakenAsync(person.NormalizedLogin, ct)) throw;
            return Refused($"The login {EchoedInput.Display(login, MaxLoginLength)} is taken. Logins are compared without regard to case.");
        }
        log.LogInformation("Person {Login} ({Roles}) added by {By}", person.Login, person.Roles, byLogin ?? "the server console");
        return new(true, $"{name} ({login}) added.", PersonView.From(person));
    }

    private async Task<bool> LoginTakenAsync(string normalized, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.People.AnyAsync(p => p.NormalizedLogin == normalized, ct);
    }

    /// <summary>The reason <paramref name="pin"/> or <paramref name="password"/> cannot be used, or null.</summary>
    public static string? CheckSecrets(IReadOnlyCollection<Role> roles, string? pin, string? password, bool creating)
    {
        if (!string.IsNullOrEmpty(pin) && !IsWellFormedPin(pin)) return "A PIN is 4 to 8 digits.";
        if (!string.IsNullOrEmpty(password) && (password.Length < MinPasswordLength || password.Length > MaxSecretLength))
            return $"A password is {MinPasswordLength} to {MaxSecretLength} characters.";
        if (!creating) return null;
        var needsPassword = roles.Contains(Role.Supervisor) || roles.Contains(Role.Admin);
        if (needsPassword && string.IsNullOrEmpty(password)) return "Supervisors and admins need a password (they sign in with it).";
        if (string.IsNullOrEmpty(pin) && string.IsNullOrEmpty(password)) return "Give a PIN (4 to 8 digits) or a password.";
        return null;
    }

    public Task<PeopleChange> SetRolesAsync(string login, IReadOnlyList<Role> roles, string? byLogin, CancellationToken ct = default) =>
        ChangeAsync(login, byLogin, "roles changed", async (db, p) =>
        {
            if (roles.Count == 0) return "Give the person at least one role.";
            var current = RoleRules.Load(p.Roles);
            if (current.Contains(Role.Admin) && !roles.Contains(Role.Admin) && await IsLastAdminAsync(db, p, ct))
                return "This is the last admin: give another person the Admin role first.";
            if ((roles.Contains(Role.Supervisor) || roles.Contains(Role.Admin)) && p.PasswordHash is null)
                return "Set a password first: supervisors and admins sign in with a password.";
            p.Roles = RoleRules.Store(roles);
            return null;
        });

    public Task<PeopleChange> SetPinAsync(string login, string? pin, string? byLogin, CancellationToken ct = default) =>
        ChangeAsync(login, byLogin, "PIN reset", (_, p) =>
        {
            if (!IsWellFormedPin(pin)) return Task.FromResult<string?>("A PIN is 4 to 8 digits.");
            p.PinHash = Hash(pin!);
            return Task.FromResult<string?>(null);
        });

    public Task<PeopleChange> SetPasswordAsync(string login, string? password, string? byLogin, CancellationToken ct = default) =>
        ChangeAsync(login, byLogin, "password set", (_, p) =>
        {
            if (CheckSecrets([], null, password, creating: false) is { } problem) return Task.FromResult<string?>(problem);
            if (string.IsNullOrEmpty(password)) return Task.FromResult<string?>($"A password is {MinPasswordLength} to {MaxSecretLength} characters.");
            p.PasswordHash = Hash(password);
            return Task.FromResult<string?>(null);
        });

    public Task<PeopleChange> SetDisabledAsync(string login, bool disabled, string? byLogin, CancellationToken ct = default) =>
        ChangeAsync(login, byLogin, disabled ? "disabled" : "enabled", async (db, p) =>
        {
            if (disabled && RoleRules.Load(p.Roles).Contains(Role.Admin) && await IsLastAdminAsync(db, p, ct))
                return "This is the last admin: give another person the Admin role first.";
            p.Disabled = disabled;
            return null;
        });

    /// <summary>Lifts a lockout (the security stamp stays: the person's sessions go on).</summary>
    public Task<PeopleChange> UnlockAsync(string login, string? byLogin, CancellationToken ct = default) =>
        ChangeAsync(login, byLogin, "unlocked", (_, p) =>
        {
            p.LockedUntilUtc = null;
            p.FailedAttempts = 0;
            return Task.FromResult<string?>(null);
        }, keepStamp: true);

    private async Task<PeopleChange> ChangeAsync(string login, string? byLogin, string what, Func<MesDbContext, Person, Task<string?>> change,
        bool keepStamp = false)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var key = Normalize(login);
        var person = await db.People.FirstOrDefaultAsync(p => p.NormalizedLogin == key);
        if (person is null) return Refused($"No one has the login {EchoedInput.Display(login, MaxLoginLength)}.");
        if (await change(db, person) is { } problem) return Refused(problem);
        if (!keepStamp) person.SecurityStamp = NewStamp();
        person.UpdatedUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        log.LogInformation("Person {Login} {Change} by {By}", person.Login, what, byLogin ?? "the server console");
        return new(true, $"{person.FullName} ({person.Login}): {what}.", PersonView.From(person));
    }

    private static async Task<bool> IsLastAdminAsync(MesDbContext db, Person person, CancellationToken ct)
    {
        var others = await db.People.Where(p => p.Id != person.Id && !p.Disabled).Select(p => p.Roles).ToListAsync(ct);
        return !others.Any(r => RoleRules.Load(r).Contains(Role.Admin));
    }

    // --- API keys ---

    /// <summary>Makes a key for <paramref name="login"/>. The key is returned once and only its hash is stored.</summary>
    public async Task<(string? Key, PeopleChange Outcome)> CreateApiKeyAsync(string login, string? name, string? byLogin, CancellationToken ct = default)
    {
        var label = (name ?? "").Trim();
        if (label.Length == 0 || label.Length > 100 || label.Any(char.IsControl)) return (null, Refused("Give the key a name of at most 100 characters (what uses it)."));
        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = Normalize(login);
        var person = await db.People.FirstOrDefaultAsync(p => p.NormalizedLogin == key, ct);
        if (person is null) return (null, Refused($"No one has the login {EchoedInput.Display(login, MaxLoginLength)}."));
        if (person.Disabled) return (null, Refused($"{person.Login} is disabled; enable the login first."));
        var secret = ApiKeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        db.ApiKeys.Add(new ApiKey
        {
            PersonId = person.Id,
            Name = label,
            Prefix = secret[..12],
            KeyHash = KeyHash(secret),
            CreatedUtc = time.GetUtcNow().UtcDateTime,
            CreatedBy = byLogin,
        });
        await db.SaveChangesAsync(ct);
        log.LogInformation("API key {Prefix} '{Name}' for {Login} created by {By}", secret[..12], label, person.Login, byLogin ?? "the server console");
        return (secret, new(true, $"API key '{label}' for {person.Login} created. Copy it now: it is shown only once.", PersonView.From(person)));
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListApiKeysAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ApiKeys.AsNoTracking().OrderBy(k => k.RevokedUtc != null).ThenByDescending(k => k.CreatedUtc)
            .Select(k => new ApiKeyView(k.Id, k.Person.Login, k.Person.FullName, k.Name, k.Prefix, k.CreatedUtc, k.CreatedBy, k.RevokedUtc, k.LastUsedUtc))
            .ToListAsync(ct);
    }

    public async Task<PeopleChange> RevokeApiKeyAsync(long id, string? byLogin, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct);
        if (key is null) return Refused("There is no such API key.");
        key.RevokedUtc ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        log.LogInformation("API key {Prefix} '{Name}' revoked by {By}", key.Prefix, key.Name, byLogin ?? "the server console");
        return new(true, $"API key '{key.Name}' revoked.");
    }

    /// <summary>The person a key acts for, or the reason it is refused.</summary>
    public async Task<CredentialCheck> AuthenticateApiKeyAsync(string key, CancellationToken ct = default)
    {
        if (!key.StartsWith(ApiKeyPrefix, StringComparison.Ordinal) || key.Length > 100)
            return new(CredentialOutcome.UnknownLogin, "The API key is not one Battery MES issued.");
        var hash = KeyHash(key);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var found = await db.ApiKeys.Include(k => k.Person).FirstOrDefaultAsync(k => k.KeyHash == hash, ct);
        if (found is null) return new(CredentialOutcome.UnknownLogin, "The API key is not known. Ask an admin for a key.");
        if (found.RevokedUtc is not null) return new(CredentialOutcome.Disabled, $"The API key '{found.Name}' was revoked. Ask an admin for a new key.");
        if (found.Person.Disabled) return new(CredentialOutcome.Disabled, $"The login {found.Person.Login} of this API key is disabled.");
        var now = time.GetUtcNow().UtcDateTime;
        // Written at most once a minute: a busy test rig must not turn every read into a write.
        if (found.LastUsedUtc is null || now - found.LastUsedUtc > TimeSpan.FromMinutes(1))
        {
            found.LastUsedUtc = now;
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) { log.LogDebug(ex, "Last use of API key {Prefix} not recorded", found.Prefix); }
        }
        return new(CredentialOutcome.Accepted, "", PersonView.From(found.Person));
    }

    private string Hash(string secret) => SecretHash.Hash(secret, options.CurrentValue.HashIterations);

    private static string KeyHash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private static PeopleChange Refused(string message) => new(false, message);
}
