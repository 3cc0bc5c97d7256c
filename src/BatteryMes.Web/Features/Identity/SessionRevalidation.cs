using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace BatteryMes.Web.Features.Identity;

/// <summary>A circuit lives for hours: once a minute it checks that its person is still enabled and that their PIN,
/// password and roles are those it signed in with; if not, the page falls back to the sign-in page.</summary>
internal sealed class SessionRevalidation(ILoggerFactory logs, PeopleDirectory people) : RevalidatingServerAuthenticationStateProvider(logs)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        var login = state.User.Login();
        if (login is null) return true;
        var stamp = state.User.FindFirstValue(PersonClaims.StampClaim);
        return stamp is not null && await people.CurrentAsync(login, stamp, ct) is not null;
    }
}
