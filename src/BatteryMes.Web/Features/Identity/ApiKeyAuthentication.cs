using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace BatteryMes.Web.Features.Identity;

/// <summary><c>Authorization: Bearer &lt;API key&gt;</c>: the request acts as the key's person, with their roles and name.</summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    PeopleDirectory people) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    /// <summary>Where the reason a key was refused waits for the 401 answer.</summary>
    public const string FailureItem = "BatteryMes.ApiKeyFailure";

    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[HeaderNames.Authorization].ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var key = header["Bearer ".Length..].Trim();
        var check = await people.AuthenticateApiKeyAsync(key, Context.RequestAborted);
        if (!check.Accepted)
        {
            Context.Items[FailureItem] = check.Message;
            return AuthenticateResult.Fail(check.Message);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(PersonClaims.Principal(check.Person!, SchemeName), SchemeName));
    }
}
