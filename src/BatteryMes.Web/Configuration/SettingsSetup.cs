using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Configuration;

public static class SettingsSetup
{
    /// <summary>Reads the operator's appsettings.json from the installation folder when the process started
    /// elsewhere, with the same precedence as the default file (environment variables and the command line win).</summary>
    public static void AddOperatorSettingsFile(this WebApplicationBuilder builder, AppHome home)
    {
        var contentRoot = Path.GetFullPath(builder.Environment.ContentRootPath).TrimEnd(Path.DirectorySeparatorChar);
        if (string.Equals(contentRoot, home.Path.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)) return;
        var file = Path.Combine(home.Path, "appsettings.json");
        if (!File.Exists(file)) return;
        var sources = builder.Configuration.Sources;
        var lastJson = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i;
        var source = new JsonConfigurationSource { Path = file, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        sources.Insert(lastJson + 1, source);
    }

    /// <summary>Binds every BatteryMes section and validates it when the app starts: a wrong setting stops
    /// start-up with a message that names it.</summary>
    public static IServiceCollection AddBatteryMesOptions(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddOptions<FolderOptions>().BindConfiguration(FolderOptions.Section).ValidateOnStart();
        services.AddOptions<ProcessRouteOptions>().BindConfiguration(ProcessRouteOptions.Section).ValidateOnStart();
        services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddSingleton<IValidateOptions<FolderOptions>, FolderOptionsValidator>();
        services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        return services;
    }

    /// <summary>Reads and validates a section before the container exists (the database and the route are
    /// needed to build it). Throws <see cref="OptionsValidationException"/> naming the setting.</summary>
    public static T ReadValidated<T>(this IConfiguration configuration, string section, IValidateOptions<T>? validator = null) where T : class, new()
    {
        var value = new T();
        try
        {
            configuration.GetSection(section).Bind(value);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(section, typeof(T), [$"{section}: {ex.Message}"]);
        }
        var result = validator?.Validate(Options.DefaultName, value);
        if (result is { Failed: true }) throw new OptionsValidationException(section, typeof(T), result.Failures);
        return value;
    }
}
