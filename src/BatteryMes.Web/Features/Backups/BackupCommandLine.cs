using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.Identity;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Features.Backups;

/// <summary>The command that runs instead of the web app: `restore &lt;file or backup name&gt;` (when the app cannot
/// start; whoever can run it on the server may). Called first thing in Program.cs.</summary>
public static class BackupCommandLine
{
    /// <summary>Runs a backup command and returns its exit code, or null when the arguments are not one.</summary>
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0) return null;
        return args[0] switch
        {
            "restore" => await RestoreAsync(args[1..]),
            _ => null,
        };
    }

    private static async Task<int> RestoreAsync(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("Usage: BatteryMes restore <backup file or backup name>   (stop the Battery MES service first)");
            return 2;
        }
        var builder = WebApplication.CreateBuilder(args[1..]);
        var home = AppHome.Locate(builder.Environment.ContentRootPath);
        builder.AddOperatorSettingsFile(home);
        DatabaseOptions database;
        try
        {
            database = builder.Configuration.ReadValidated(DatabaseOptions.Section, new DatabaseOptionsValidator());
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, ex.Failures));
            return 1;
        }
        builder.Services.AddSingleton(home);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddBatteryMesOptions();
        builder.Services.AddMesDatabase(database, home);
        builder.Services.AddSingleton<PackChangeFeed>();
        builder.Services.AddPeople();
        builder.Services.AddBackupServices();
        await using var app = builder.Build();
        var services = app.Services;

        var catalog = services.GetRequiredService<BackupCatalog>();
        var file = File.Exists(args[0]) ? Path.GetFullPath(args[0]) : catalog.Find(args[0])?.FilePath;
        if (file is null)
        {
            Console.Error.WriteLine($"No file or backup named '{args[0]}' (looked in the current folder and in {catalog.Folder}).");
            return 1;
        }
        if (database.ProviderKind == DatabaseProvider.PostgreSQL)
        {
            // An empty server database gets the schema first, so the rows have somewhere to go.
            await using var db = await services.GetRequiredService<IDbContextFactory<MesDbContext>>().CreateDbContextAsync();
            await db.Database.MigrateAsync();
        }
        var result = await services.GetRequiredService<DatabaseRestorer>().RestoreFileAsync(file, Environment.UserName);
        (result.Succeeded ? Console.Out : Console.Error).WriteLine(result.Message);
        return result.Succeeded ? 0 : 1;
    }
}
