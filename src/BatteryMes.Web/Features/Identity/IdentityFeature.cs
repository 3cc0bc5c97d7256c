using System.Security.Claims;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Identity;

/// <summary>Sign-in (cookie for people at a browser, API key for clients), roles as policies, and the sign-in endpoints.</summary>
public static class IdentityFeature
{
    /// <summary>The policy scheme: a request with a Bearer header is an API client, any other request a browser.</summary>
    public const string Scheme = "BatteryMes";
    public const string CookieName = ".BatteryMes.SignIn";
    /// <summary>The Dashboard: any signed-in person, and anyone when BatteryMes:Security:AnonymousDashboard is on.</summary>
    public const string DashboardPolicy = "Dashboard";

    /// <summary>The people directory and its settings (the app and the command line share these).</summary>
    public static IServiceCollection AddPeople(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();
        services.AddSingleton<PeopleDirectory>();
        services.AddSingleton<Signatures>();
        return services;
    }

    /// <summary>Authentication, authorization and the keys behind cookies and antiforgery tokens, kept in the database
    /// so that every app instance on one PostgreSQL accepts the others' cookies.</summary>
    public static IServiceCollection AddWebIdentity(this IServiceCollection services)
    {
        services.AddScoped<MesDbContext>(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<MesDbContext>>().CreateDbContext());
        services.AddDataProtection().SetApplicationName("BatteryMes").PersistKeysToDbContext<MesDbContext>();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or API key", o => o.ForwardDefaultSelector = http =>
                ApiKeyAuthentication.HasBearer(http.Request) ? ApiKeyAuthentication.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptionsMonitor<SecurityOptions>>((cookie, security) =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = "/signin";
                cookie.AccessDeniedPath = "/denied";
                cookie.ReturnUrlParameter = "returnUrl";
                // Idle sign-out: the page signs out after the idle time; the cookie runs out after it too, renewed by
                // /account/alive while the person works in the page (a circuit's clicks reach no cookie code).
                cookie.ExpireTimeSpan = security.CurrentValue.IdleSignOut;
                cookie.SlidingExpiration = true;
                cookie.Events.OnRedirectToLogin = context => IsApi(context.Request) ? Answer401(context.HttpContext) : Redirect(context);
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    if (IsApi(context.Request)) return Answers.Problem(context.HttpContext, StatusCodes.Status403Forbidden, "Not allowed", "You may not do this.");
                    return Redirect(context);
                };
                cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
            });

        services.AddAuthorization(options =>
        {
            foreach (var capability in Enum.GetValues<Capability>())
                options.AddPolicy(capability.ToString(), p => p.RequireAuthenticatedUser().RequireRole(RoleRules.RolesFor(capability).Select(r => r.ToString())));
            options.AddPolicy(DashboardPolicy, p => p.AddRequirements(new DashboardRequirement()));
        });
        services.AddSingleton<IAuthorizationHandler, DashboardRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, Answers>();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        services.AddSingleton<SignInTickets>();
        return services;
    }

    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    internal static Task Answer401(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        var detail = http.Items[ApiKeyAuthentication.FailureItem] as string
            ?? "Sign in first: send 'Authorization: Bearer <API key>' (an admin creates keys on the People page or with 'BatteryMes api-key create'), or sign in at /signin.";
        return Answers.Problem(http, StatusCodes.Status401Unauthorized, "Sign-in required", detail);
    }

    /// <summary>Ends a session whose person was disabled, or whose PIN, password or roles changed since it began.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var login = context.Principal.Login();
        var stamp = context.Principal?.FindFirstValue(PersonClaims.StampClaim);
        var people = context.HttpContext.RequestServices.GetRequiredService<PeopleDirectory>();
        if (login is null || stamp is null || await people.CurrentAsync(login, stamp, context.HttpContext.RequestAborted) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account").ExcludeFromDescription();
        // The second half of a sign-in made on the sign-in page: the ticket's HTTP answer sets the cookie.
        account.MapGet("/signin/complete", async (string? ticket, string? returnUrl, HttpContext http, SignInTickets tickets, ILoggerFactory logs) =>
        {
            var person = tickets.Redeem(ticket, http.Connection.RemoteIpAddress?.ToString());
            if (person is null) return Results.Redirect("/signin?problem=expired");
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, PersonClaims.Principal(person, CookieAuthenticationDefaults.AuthenticationScheme),
                new AuthenticationProperties { IsPersistent = false });
            logs.CreateLogger("BatteryMes.SignIn").LogInformation("{Login} signed in from {Client}", person.Login, http.Connection.RemoteIpAddress);
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        }).AllowAnonymous();
        // A form post with the page's antiforgery token: no other page can sign a station out. The token is checked here,
        // not by form binding, because it belongs to the signed-in person: when an idle station's page posts, its cookie
        // has usually run out already, the request is anonymous, and the token no longer matches. Such a post has no one
        // to sign out and changes nothing, so it goes straight on to the sign-in page.
        account.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery, ILoggerFactory logs) =>
        {
            var login = http.User.Login();
            if (login is not null && !await antiforgery.IsRequestValidAsync(http))
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-out refused",
                    detail: "Sign out with the Sign out button of a Battery MES page.");
            var reason = http.Request.HasFormContentType ? (await http.Request.ReadFormAsync(http.RequestAborted))["reason"].ToString() : "";
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (login is not null)
                logs.CreateLogger("BatteryMes.SignIn").LogInformation("{Login} signed out ({Reason})", login, reason == "idle" ? "idle" : "by hand");
            return Results.Redirect(reason == "idle" ? "/signin?problem=idle" : "/signin?problem=signedout");
        }).AllowAnonymous().DisableAntiforgery();
        // Renews the sliding sign-in cookie while the person works in the page.
        account.MapGet("/alive", () => Results.NoContent()).RequireAuthorization();
        return endpoints;
    }

    /// <summary>Only a path of this app: never another site (open redirect).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/account", StringComparison.OrdinalIgnoreCase)
            ? returnUrl : "/";

    private sealed class DashboardRequirement : IAuthorizationRequirement;

    private sealed class DashboardRequirementHandler(IOptionsMonitor<SecurityOptions> security) : AuthorizationHandler<DashboardRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, DashboardRequirement requirement)
        {
            if (security.CurrentValue.AnonymousDashboard || context.User.IsSignedIn()) context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }

    /// <summary>API requests get problem+json naming what is missing (401: sign in; 403: the role needed); pages are
    /// sent to the sign-in page or to the page that names the role needed.</summary>
    internal sealed class Answers : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            if (result.Succeeded || !(result.Challenged || result.Forbidden))
            {
                await _default.HandleAsync(next, context, policy, result);
                return;
            }
            var needed = string.Join(" or ", policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles)
                .Select(r => RoleRules.TryParse(r, out var role) ? role.Title() : r).Distinct());
            if (IsApi(context.Request))
            {
                if (result.Challenged || !context.User.IsSignedIn()) await Answer401(context);
                else await Problem(context, StatusCodes.Status403Forbidden, "Role required",
                    $"This needs the {needed} role. {context.User.Describe()} has {string.Join(", ", context.User.Roles().Select(r => r.Title())).DefaultIfEmpty("no role")}.");
                return;
            }
            if (result.Forbidden && context.User.IsSignedIn())
            {
                context.Response.Redirect($"/denied?need={Uri.EscapeDataString(needed)}&returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
                return;
            }
            await _default.HandleAsync(next, context, policy, result);
        }

        public static Task Problem(HttpContext http, int status, string title, string detail)
        {
            http.Response.StatusCode = status;
            return http.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Title = title, Detail = detail }, (System.Text.Json.JsonSerializerOptions?)null,
                "application/problem+json");
        }
    }

    private static string DefaultIfEmpty(this string text, string fallback) => text.Length == 0 ? fallback : text;
}
