using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BatteryMes.Web.Features.Identity;

/// <summary>Declares the API key scheme in the OpenAPI document: every /api operation takes
/// <c>Authorization: Bearer &lt;API key&gt;</c> (an admin creates keys on the People page).</summary>
internal sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    public const string SchemeName = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key made by an admin (People and API keys page, or `BatteryMes api-key create`). The request acts as the key's person, with their roles.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] });
        return Task.CompletedTask;
    }
}
