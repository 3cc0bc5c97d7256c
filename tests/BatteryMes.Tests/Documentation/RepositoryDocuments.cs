namespace BatteryMes.Tests.Documentation;

/// <summary>The repository's documents as the tests read them: the README, the deployment guide and docs/*.md.</summary>
internal static class RepositoryDocuments
{
    public static string Root { get; } = FindRoot();

    public static IReadOnlyList<string> All() =>
    [
        Path.Combine(Root, "README.md"),
        Path.Combine(Root, "VM_DEPLOYMENT_GUIDE.md"),
        .. Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal),
    ];

    /// <summary>"docs/api.md" for a full path: how a failure names the document.</summary>
    public static string Name(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BatteryMes.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository's top folder (BatteryMes.sln) was not found above the test build.");
    }
}
