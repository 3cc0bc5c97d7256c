namespace BatteryMes.Web.Configuration;

/// <summary>The installation folder: where appsettings.json, templates/, backups/, excel_reports/ and qr_codes/ live.
/// From source that is the repository's top level; for a published build it is the build's own folder.
/// Relative paths in the settings are taken from here, whatever the current directory is.</summary>
public sealed class AppHome
{
    public const string EnvironmentVariable = "BATTERYMES_HOME";

    public AppHome(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    /// <summary>Makes a settings path absolute against the installation folder.</summary>
    public string Resolve(string path) =>
        System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, path));

    /// <summary>BATTERYMES_HOME if set; else the first folder, from <paramref name="startFolder"/> upwards, that holds
    /// both appsettings.json and templates/; else the folder of the running build.</summary>
    public static AppHome Locate(string startFolder)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return new AppHome(fromEnvironment);
        foreach (var start in new[] { startFolder, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "appsettings.json"))
                    && Directory.Exists(System.IO.Path.Combine(dir.FullName, "templates")))
                    return new AppHome(dir.FullName);
            }
        }
        return new AppHome(AppContext.BaseDirectory);
    }
}
