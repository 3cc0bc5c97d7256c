using System.Globalization;
using System.Text.Json;
using BatteryMes.Web.Configuration;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Backups;

/// <summary>What caused a snapshot. Written into the file name, so it stays readable without the app.</summary>
public static class BackupTrigger
{
    public const string Manual = "manual";
    public const string BeforeRestore = "before-restore";
    public const string PreMigration = "pre-migration";

    /// <summary>Manual, safety and pre-migration copies live apart from the rotation and are never deleted by it.</summary>
    public static bool IsKeptApart(string trigger) => trigger is Manual or BeforeRestore or PreMigration;
}

/// <summary>One backup file as listed in the history.</summary>
public sealed record BackupEntry(
    string Name,
    string FilePath,
    DateTime CreatedUtc,
    string Trigger,
    bool KeptApart,
    long SizeBytes,
    bool Verified,
    string? Problem,
    IReadOnlyDictionary<string, long> RowCounts,
    string? Schema,
    string? SourceProvider,
    bool Verifying = false,
    string? Check = null,
    double? CopySeconds = null,
    double? VerifySeconds = null,
    int Changes = 0);

/// <summary>What is written next to each snapshot (<c>name.db.json</c>): kept outside the live database, so a
/// restore never loses the history of the backups themselves.</summary>
public sealed record BackupSidecar(
    DateTime CreatedUtc,
    string Trigger,
    bool Verified,
    string? Problem,
    Dictionary<string, long> RowCounts,
    string? Schema,
    string? SourceProvider,
    int Changes,
    bool Verifying = false,
    string? Check = null,
    double? CopySeconds = null,
    double? VerifySeconds = null);

/// <summary>The backup folder: automatic snapshots at its top level, manual/safety/pre-migration copies in
/// <c>manual/</c>. Names are <c>battery_mes_yyyyMMddTHHmmssfffZ_trigger.db</c> in UTC.</summary>
public sealed class BackupCatalog(AppHome home, IOptions<FolderOptions> folders)
{
    public const string Prefix = "battery_mes_";
    public const string ManualFolderName = "manual";
    private const string StampFormat = "yyyyMMdd'T'HHmmssfff'Z'";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Folder => home.Resolve(folders.Value.Backups);
    public string ManualFolder => Path.Combine(Folder, ManualFolderName);

    public string FileNameFor(DateTime utc, string trigger) =>
        $"{Prefix}{utc.ToString(StampFormat, CultureInfo.InvariantCulture)}_{trigger}.db";

    public string FolderFor(string trigger) => BackupTrigger.IsKeptApart(trigger) ? ManualFolder : Folder;

    public string ResolveMirror(string mirrorFolder) => home.Resolve(mirrorFolder);

    public static string SidecarPath(string file) => file + ".json";

    /// <remarks>Written beside and then moved over the old record, so that a reader listing the backups meanwhile sees
    /// the old record or the new one, never a half-written file (which reads as "no record of a check").</remarks>
    public static void WriteSidecar(string file, BackupSidecar sidecar)
    {
        var path = SidecarPath(file);
        var next = path + ".next";
        File.WriteAllText(next, JsonSerializer.Serialize(sidecar, Json));
        File.Move(next, path, overwrite: true);
    }

    /// <summary>Every backup, newest first. A folder that cannot be read lists as empty (the status says why).</summary>
    public IReadOnlyList<BackupEntry> List()
    {
        var entries = new List<BackupEntry>();
        foreach (var (folder, keptApart) in new[] { (Folder, false), (ManualFolder, true) })
        {
            if (!Directory.Exists(folder)) continue;
            string[] files;
            try { files = Directory.GetFiles(folder, Prefix + "*.db"); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { continue; }
            foreach (var file in files)
            {
                if (Read(file, keptApart) is { } entry) entries.Add(entry);
            }
        }
        return entries.OrderByDescending(e => e.CreatedUtc).ThenByDescending(e => e.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The listed backup of exactly this name, or null: a name never reaches the file system otherwise.</summary>
    public BackupEntry? Find(string? name) =>
        string.IsNullOrEmpty(name) ? null : List().FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));

    private static BackupEntry? Read(string file, bool keptApart)
    {
        var name = Path.GetFileName(file);
        if (!TryParseName(name, out var stamp, out var trigger)) return null;
        long size;
        try { size = new FileInfo(file).Length; }
        catch (IOException) { return null; }
        BackupSidecar? sidecar = null;
        try
        {
            var sidecarPath = SidecarPath(file);
            if (File.Exists(sidecarPath)) sidecar = JsonSerializer.Deserialize<BackupSidecar>(File.ReadAllText(sidecarPath));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            sidecar = null;
        }
        return new BackupEntry(name, file, sidecar?.CreatedUtc ?? stamp, sidecar?.Trigger ?? trigger, keptApart || BackupTrigger.IsKeptApart(trigger),
            size, sidecar?.Verified ?? false, sidecar is null ? "Not verified (no record of a check next to the file)." : sidecar.Problem,
            sidecar?.RowCounts ?? new Dictionary<string, long>(), sidecar?.Schema, sidecar?.SourceProvider,
            sidecar?.Verifying ?? false, sidecar?.Check, sidecar?.CopySeconds, sidecar?.VerifySeconds, sidecar?.Changes ?? 0);
    }

    internal static bool TryParseName(string name, out DateTime utc, out string trigger)
    {
        utc = default;
        trigger = "";
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(".db", StringComparison.Ordinal)) return false;
        var core = name[Prefix.Length..^3];
        var split = core.IndexOf('_');
        if (split < 0) return false;
        var stampText = core[..split];
        trigger = core[(split + 1)..];
        // Older pre-migration copies (from the foundation) carry seconds only.
        return DateTime.TryParseExact(stampText, [StampFormat, "yyyyMMdd'T'HHmmss'Z'"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc) && trigger.Length > 0;
    }
}
