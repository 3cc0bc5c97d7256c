using System.Security.Claims;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;

namespace BatteryMes.Web.Features.Identity;

/// <summary>How a signed-in person travels in a <see cref="ClaimsPrincipal"/>: login, full name, roles and the
/// security stamp that ends the session when an admin disables the person or changes their PIN, password or roles.</summary>
public static class PersonClaims
{
    public const string StampClaim = "batterymes:stamp";

    public static ClaimsPrincipal Principal(PersonView person, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, person.Login),
                new Claim(ClaimTypes.Name, person.FullName),
                new Claim(StampClaim, person.SecurityStamp),
                .. person.Roles.Select(r => new Claim(ClaimTypes.Role, r.ToString())),
            ],
            scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static bool IsSignedIn(this ClaimsPrincipal? user) => user?.Identity?.IsAuthenticated == true;

    public static string? Login(this ClaimsPrincipal? user) => user.IsSignedIn() ? user!.FindFirstValue(ClaimTypes.NameIdentifier) : null;

    public static string? FullName(this ClaimsPrincipal? user) => user.IsSignedIn() ? user!.FindFirstValue(ClaimTypes.Name) : null;

    public static IReadOnlyList<Role> Roles(this ClaimsPrincipal? user) =>
        user.IsSignedIn() ? user!.FindAll(ClaimTypes.Role).Select(c => RoleRules.TryParse(c.Value, out var r) ? (Role?)r : null).OfType<Role>().ToList() : [];

    public static bool Can(this ClaimsPrincipal? user, Capability capability) => user.IsSignedIn() && RoleRules.Allows(user.Roles(), capability);

    /// <summary>"Anna Smith (anna)".</summary>
    public static string Describe(this ClaimsPrincipal? user) => user.IsSignedIn() ? $"{user.FullName()} ({user.Login()})" : "Not signed in";

    /// <summary>The audit log's "who": always the authenticated person, never a typed name.</summary>
    public static Actor ToActor(this ClaimsPrincipal user, string? client) =>
        user.IsSignedIn() ? new Actor(user.FullName(), client, user.Login(), user.Roles()) : new Actor(null, client);

    public static Actor ToActor(this PersonView person, string? client) => new(person.FullName, client, person.Login, person.Roles);

    /// <summary>The message for a person without the role a capability needs.</summary>
    public static string NeedsRole(this ClaimsPrincipal? user, Capability capability)
    {
        var needed = $"This needs the {RoleRules.Describe(capability)} role.";
        if (!user.IsSignedIn()) return needed + " Sign in first.";
        var roles = user.Roles();
        return $"{needed} {user.Describe()} has {(roles.Count == 0 ? "no role" : "the " + string.Join(", ", roles.Select(r => r.Title())) + " role" + (roles.Count > 1 ? "s" : ""))}.";
    }
}
