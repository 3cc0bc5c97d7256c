using BatteryMes.Web.Components;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.Backups;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.Genealogy;
using BatteryMes.Web.Features.Identity;
using BatteryMes.Web.Features.Operations;
using BatteryMes.Web.Features.Passport;
using BatteryMes.Web.Features.CellImport;
using BatteryMes.Web.Features.QrCodes;
using BatteryMes.Web.Features.Reports;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

// `BatteryMes restore <file>`, `BatteryMes users ...` and `BatteryMes api-key ...` run instead of the web app (see README).
if (await BackupCommandLine.TryRunAsync(args) is { } commandExitCode) return commandExitCode;
if (await PeopleCommandLine.TryRunAsync(args) is { } peopleExitCode) return peopleExitCode;

try
{
    var builder = WebApplication.CreateBuilder(ServiceHosting.BuilderOptions(args));
    var home = AppHome.Locate(builder.Environment.ContentRootPath);
    builder.AddOperatorSettingsFile(home);
    // Serves _content/* (MudBlazor, Plotly) from the build output too, not only under `dotnet run` or a publish.
    builder.WebHost.UseStaticWebAssets();

    var database = builder.Configuration.ReadValidated(DatabaseOptions.Section, new DatabaseOptionsValidator());
    var server = builder.Configuration.ReadValidated(ServerOptions.Section, new ServerOptionsValidator());
    var routeFile = home.Resolve(builder.Configuration.ReadValidated<ProcessRouteOptions>(ProcessRouteOptions.Section).File);
    var route = RouteFile.Load(routeFile);
    // Service manager (systemd / Windows), listen addresses with HTTPS, HTTP->HTTPS redirect, rolling log files.
    builder.AddHosting(home, server);
    builder.ConfigureAllowedHosts(server);

    builder.Services.AddBatteryMesCore(home, route, database);

    // Sign-in, roles, API keys; the keys behind cookies and antiforgery tokens live in the database.
    builder.Services.AddWebIdentity();
    // 128 KB instead of SignalR's 32 KB per message from the browser: a pasted list of 1,000 pack IDs of 40 characters
    // (QR generator) is 41 KB. Every text field caps what the browser sends below this (BrowserLimit).
    builder.Services.AddRazorComponents().AddInteractiveServerComponents()
        .AddHubOptions(options => options.MaximumReceiveMessageSize = 128 * 1024);
    builder.Services.AddMudServices();
    builder.Services.AddProblemDetails();
    builder.Services.AddOpenApi(options => options.AddDocumentTransformer<OpenApiSecurity>());
    builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

    // Web-only: the database-outage exception handler, circuit counting, the HTTPS certificate download.
    builder.Services.AddOperations();
    builder.Services.AddRequestGuards();

    var app = builder.Build();

    if (!app.Environment.IsDevelopment())
        app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseRequestGuards();
    app.UseWebSecurity(https: app.Configuration.GetValue<bool>("BatteryMes:Server:Https:Enabled"));
    app.UseAuthentication();
    // Before authorization: an anonymous visitor of a label URL may be sent to the pack's public summary instead of sign-in.
    app.UsePublicPassportSummary();
    app.UseAuthorization();
    app.UseAntiforgery();
    app.MapStaticAssets();
    app.MapOpenApi();
    app.MapHealthEndpoint();
    app.MapIdentityEndpoints();
    app.MapDataEntryEndpoints();
    app.MapDashboardEndpoints();
    app.MapReportsEndpoints();
    app.MapPassportEndpoints();
    app.MapCellImportEndpoints();
    app.MapQrCodesEndpoints();
    app.MapBackupsEndpoints();
    app.MapOperationsEndpoints();
    app.MapGenealogyEndpoints();
    app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

    app.Logger.LogInformation("Battery MES {Version} on {Provider}; route '{Route}' with {Stages} stages and {Checks} checks; home {Home}",
        typeof(Program).Assembly.GetName().Version?.ToString(3), database.ProviderKind, route.Name, route.StageCount, route.AllChecks.Count(), home.Path);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is PackModelException or RouteFileException or OptionsValidationException or DatabaseTooNewException or DatabaseReadOnlyException)
{
    // Expected start-up faults: say what is wrong in plain words, without a stack trace.
    Console.Error.WriteLine("Battery MES cannot start:");
    Console.Error.WriteLine(ex is OptionsValidationException o ? string.Join(Environment.NewLine, o.Failures) : ex.Message);
    return 1;
}

public partial class Program;
