namespace BatteryMes.EndToEnd.Infrastructure;

/// <summary>Where tests put screenshots a person looks at after a run: TestResults/screenshots at the repository root
/// (the folder scripts/test.sh collects results in), or the temp folder when the tests run outside a checkout.</summary>
public static class Screenshots
{
    public static string Folder { get; } = FindFolder();

    public static string PathFor(string fileName) => Path.Combine(Folder, fileName);

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "BatteryMes.sln"))) continue;
            var folder = Path.Combine(dir.FullName, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
        return Path.GetTempPath();
    }
}
