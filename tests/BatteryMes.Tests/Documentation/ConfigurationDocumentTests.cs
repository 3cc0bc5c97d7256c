using System.Reflection;
using BatteryMes.Web.Configuration;

namespace BatteryMes.Tests.Documentation;

/// <summary>docs/configuration.md names every setting the app reads, so the page cannot fall behind the code.</summary>
public sealed class ConfigurationDocumentTests
{
    /// <summary>Every options class of the app (a class with a public <c>Section</c> constant) and its settings:
    /// "BatteryMes:Server:Https:Port" for each public property that configuration binding can set.</summary>
    public static IReadOnlyList<string> SettingsOfTheApp() =>
        typeof(DatabaseOptions).Assembly.GetTypes()
            .Select(type => (type, section: type.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(t => t.section is { IsLiteral: true } && t.section.FieldType == typeof(string))
            .SelectMany(t => t.type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
                .Select(p => $"{(string)t.section!.GetRawConstantValue()!}:{p.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void The_app_has_options_classes_to_check()
    {
        var settings = SettingsOfTheApp();
        Assert.Contains("BatteryMes:Database:Provider", settings);
        Assert.Contains("BatteryMes:Server:Https:Port", settings);
        Assert.Contains("BatteryMes:Security:AnonymousDashboard", settings);
        Assert.True(settings.Count >= 30, $"Only {settings.Count} settings were found: {string.Join(", ", settings)}");
    }

    [Fact]
    public void Every_setting_of_the_options_classes_is_described_in_the_configuration_document()
    {
        var document = File.ReadAllText(Path.Combine(RepositoryDocuments.Root, "docs", "configuration.md"));
        var missing = SettingsOfTheApp().Where(setting => !document.Contains($"`{setting}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0,
            $"docs/configuration.md does not describe {string.Join(", ", missing)}. Add a row with its default and meaning.");
    }

    [Fact]
    public void The_configuration_document_explains_how_AllowedHosts_is_computed()
    {
        var document = File.ReadAllText(Path.Combine(RepositoryDocuments.Root, "docs", "configuration.md"));
        Assert.Contains("`AllowedHosts`", document, StringComparison.Ordinal);
        Assert.Contains("`BatteryMes:Security:HostNames`", document, StringComparison.Ordinal);
    }
}
