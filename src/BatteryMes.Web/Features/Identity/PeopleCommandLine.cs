using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Identity;

/// <summary>People and API keys from the server's console, where no one can sign in yet:
/// <c>users add &lt;login&gt; --name "..." --role Admin [--role ...] [--pin]</c> (reads the password, or with --pin the PIN,
/// from standard input), <c>users list</c>, <c>api-key create --user &lt;login&gt; --name "..."</c>.</summary>
public static class PeopleCommandLine
{
    public const string Usage =
        "Usage:\n" +
        "  BatteryMes users add <login> --name \"<full name>\" --role <Operator|QcInspector|Supervisor|Admin> [--role ...] [--pin]\n" +
        "      reads the password (with --pin: the PIN, 4-8 digits) from standard input, one line\n" +
        "  BatteryMes users list\n" +
        "  BatteryMes api-key create --user <login> --name \"<what uses it>\"";

    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("users" or "api-key")) return null;
        var command = string.Join(' ', args.Take(2));
        var rest = args.Skip(2).ToArray();
        try
        {
            return command switch
            {
                "users add" => await WithDirectoryAsync(people => AddAsync(people, rest)),
                "users list" => await WithDirectoryAsync(ListAsync),
                "api-key create" => await WithDirectoryAsync(people => CreateKeyAsync(people, rest)),
                _ => Fail(Usage),
            };
        }
        catch (OptionsValidationException ex)
        {
            return Fail(string.Join(Environment.NewLine, ex.Failures));
        }
        catch (Exception ex) when (ex is RouteFileException or DatabaseTooNewException or DatabaseReadOnlyException)
        {
            return Fail(ex.Message);
        }
    }

    private static async Task<int> AddAsync(PeopleDirectory people, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-')) return Fail(Usage);
        var login = args[0];
        string? name = null;
        var roles = new List<Role>();
        var pin = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--name" when i + 1 < args.Length: name = args[++i]; break;
                case "--role" when i + 1 < args.Length:
                    foreach (var part in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!RoleRules.TryParse(part, out var role)) return Fail($"'{part}' is not a role: use Operator, QcInspector, Supervisor or Admin.");
                        roles.Add(role);
                    }
                    break;
                case "--pin": pin = true; break;
                default: return Fail($"'{args[i]}' is not understood.\n{Usage}");
            }
        }
        if (name is null) return Fail("Give the person's full name with --name \"...\".");
        if (roles.Count == 0) return Fail("Give at least one role with --role (Operator, QcInspector, Supervisor, Admin).");
        var secret = ReadSecret(pin ? "PIN (4-8 digits): " : "Password (at least 8 characters): ");
        var result = await people.AddAsync(new NewPerson(login, name, roles, pin ? secret : null, pin ? null : secret), null);
        if (!result.Succeeded) return Fail(result.Message);
        Console.WriteLine($"{result.Message} Roles: {string.Join(", ", result.Person!.Roles.Select(r => r.Title()))}.");
        return 0;
    }

    private static async Task<int> ListAsync(PeopleDirectory people)
    {
        var list = await people.ListAsync();
        if (list.Count == 0)
        {
            Console.WriteLine("No one can sign in yet. Add the first admin with: BatteryMes users add <login> --name \"<full name>\" --role Admin");
            return 0;
        }
        Console.WriteLine($"{"Login",-20} {"Name",-30} {"Roles",-40} State");
        foreach (var p in list)
            Console.WriteLine($"{p.Login,-20} {p.FullName,-30} {string.Join(", ", p.Roles.Select(r => r.Title())),-40} {(p.Disabled ? "disabled" : "active")}");
        return 0;
    }

    private static async Task<int> CreateKeyAsync(PeopleDirectory people, string[] args)
    {
        string? login = null, name = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--user" when i + 1 < args.Length: login = args[++i]; break;
                case "--name" when i + 1 < args.Length: name = args[++i]; break;
                default: return Fail($"'{args[i]}' is not understood.\n{Usage}");
            }
        }
        if (login is null || name is null) return Fail(Usage);
        var (key, outcome) = await people.CreateApiKeyAsync(login, name, null);
        if (key is null) return Fail(outcome.Message);
        Console.Error.WriteLine(outcome.Message);
        Console.WriteLine(key);
        return 0;
    }

    private static string ReadSecret(string prompt)
    {
        if (Console.IsInputRedirected) return Console.In.ReadLine() ?? "";
        Console.Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }

    /// <summary>The database as the app would open it (same settings file, same migrations), without the web server.</summary>
    private static async Task<int> WithDirectoryAsync(Func<PeopleDirectory, Task<int>> action)
    {
        var builder = WebApplication.CreateBuilder();
        var home = AppHome.Locate(builder.Environment.ContentRootPath);
        builder.AddOperatorSettingsFile(home);
        var database = builder.Configuration.ReadValidated(DatabaseOptions.Section, new DatabaseOptionsValidator());
        var route = RouteFile.Load(home.Resolve(builder.Configuration.ReadValidated<ProcessRouteOptions>(ProcessRouteOptions.Section).File));
        builder.Services.AddBatteryMesCore(home, route, database);
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(CancellationToken.None);
        return await action(app.Services.GetRequiredService<PeopleDirectory>());
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}
