namespace BatteryMes.Web.Domain;

/// <summary>The four roles of the plant. A person may hold several.</summary>
public enum Role
{
    Operator,
    QcInspector,
    Supervisor,
    Admin,
}

/// <summary>What a request or a page action wants to do. Each capability is granted by a fixed set of roles
/// (<see cref="RoleRules"/>); the API, the pages and the services ask the same rules.</summary>
public enum Capability
{
    /// <summary>Any signed-in person: read pages, a pack's view and history, reports.</summary>
    View,
    /// <summary>Register packs, record results and save a stage (an inspector records results too: a deviation is one).</summary>
    RecordResults,
    /// <summary>Sign a stage off (Complete Process) and record a deviation.</summary>
    SignOff,
    /// <summary>Reopen a completed stage and set the daily target.</summary>
    Supervise,
    /// <summary>Issue batches of pack labels.</summary>
    PrintLabels,
    /// <summary>People, API keys, backups (create, download, restore) and settings pages.</summary>
    Administer,
}

public static class RoleRules
{
    private static readonly IReadOnlyDictionary<Capability, Role[]> Grants = new Dictionary<Capability, Role[]>
    {
        [Capability.View] = [Role.Operator, Role.QcInspector, Role.Supervisor, Role.Admin],
        [Capability.RecordResults] = [Role.Operator, Role.QcInspector, Role.Supervisor],
        // A supervisor may do everything an inspector does.
        [Capability.SignOff] = [Role.QcInspector, Role.Supervisor],
        [Capability.Supervise] = [Role.Supervisor],
        [Capability.PrintLabels] = [Role.Supervisor, Role.Admin],
        [Capability.Administer] = [Role.Admin],
    };

    /// <summary>The roles that grant <paramref name="capability"/>, in the order the plant names them.</summary>
    public static IReadOnlyList<Role> RolesFor(Capability capability) => Grants[capability];

    public static bool Allows(IEnumerable<Role> roles, Capability capability) => roles.Any(Grants[capability].Contains);

    /// <summary>"QC inspector or Supervisor": for messages that name the role needed.</summary>
    public static string Describe(Capability capability) => string.Join(" or ", Grants[capability].Select(r => r.Title()));

    public static string Title(this Role role) => role switch
    {
        Role.QcInspector => "QC inspector",
        _ => role.ToString(),
    };

    /// <summary>Reads the stored or typed form: "Operator", "QcInspector", "QC inspector", "inspector", "admin" ...</summary>
    public static bool TryParse(string? text, out Role role)
    {
        var key = new string((text ?? "").Where(char.IsLetter).ToArray()).ToLowerInvariant();
        (bool ok, Role r) found = key switch
        {
            "operator" => (true, Role.Operator),
            "qcinspector" or "inspector" or "qc" => (true, Role.QcInspector),
            "supervisor" => (true, Role.Supervisor),
            "admin" or "administrator" => (true, Role.Admin),
            _ => (false, default),
        };
        role = found.r;
        return found.ok;
    }

    /// <summary>Roles as stored in the database: "Operator,QcInspector".</summary>
    public static string Store(IEnumerable<Role> roles) => string.Join(',', roles.Distinct().Order());

    public static IReadOnlyList<Role> Load(string? stored) =>
        (stored ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => TryParse(s, out var r) ? (Role?)r : null).OfType<Role>().Distinct().Order().ToList();
}
