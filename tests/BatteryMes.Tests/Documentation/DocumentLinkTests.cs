using Markdig;
using Markdig.Extensions.AutoIdentifiers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace BatteryMes.Tests.Documentation;

/// <summary>Finds links in markdown documents that lead nowhere: a file or folder that does not exist, or a
/// #heading that the target document does not have (headings get GitHub's slugs: "6 HTTPS for tablets" is
/// #6-https-for-tablets). Links to other sites (http:, https:, mailto:) are not followed.</summary>
public static class DocumentLinks
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseAutoIdentifiers(AutoIdentifierOptions.GitHub)
        .Build();

    public static IReadOnlyList<string> Broken(IEnumerable<string> documents, Func<string, string> name)
    {
        var broken = new List<string>();
        var headingCache = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> Headings(string path)
        {
            if (!headingCache.TryGetValue(path, out var ids))
                headingCache[path] = ids = Markdown.Parse(File.ReadAllText(path), Pipeline).Descendants<HeadingBlock>()
                    .Select(h => h.GetAttributes().Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
            return ids;
        }

        foreach (var document in documents)
        {
            var parsed = Markdown.Parse(File.ReadAllText(document), Pipeline);
            foreach (var link in parsed.Descendants<LinkInline>())
            {
                var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
                if (string.IsNullOrWhiteSpace(url)) { broken.Add($"{name(document)} line {link.Line + 1}: a link without a target"); continue; }
                if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "mailto") continue;
                var hash = url.IndexOf('#');
                var pathPart = Uri.UnescapeDataString(hash < 0 ? url : url[..hash]);
                var anchor = hash < 0 ? null : url[(hash + 1)..];
                var target = pathPart.Length == 0 ? document : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, pathPart));
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    broken.Add($"{name(document)} line {link.Line + 1}: {url} - no file {pathPart}");
                    continue;
                }
                if (anchor is null) continue;
                if (!target.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                    broken.Add($"{name(document)} line {link.Line + 1}: {url} - #{anchor} points into a file that is not markdown");
                else if (!Headings(target).Contains(anchor))
                    broken.Add($"{name(document)} line {link.Line + 1}: {url} - {name(target)} has no heading #{anchor}");
            }
        }
        return broken;
    }
}

public sealed class DocumentLinkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("battery-mes-doc-links-").FullName;

    [Fact]
    public void Every_link_in_the_readme_the_deployment_guide_and_the_docs_leads_to_an_existing_file_and_heading()
    {
        var documents = RepositoryDocuments.All();
        Assert.Contains(documents, d => d.EndsWith(Path.Combine("docs", "user-guide.md"), StringComparison.Ordinal));
        var broken = DocumentLinks.Broken(documents, RepositoryDocuments.Name);
        Assert.True(broken.Count == 0, "Links that lead nowhere:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void A_link_to_a_missing_file_a_missing_heading_or_a_missing_image_is_reported()
    {
        var guide = Write("guide.md", "# Guide\n\n## Sign off with a PIN\n\nText.\n");
        var index = Write("index.md",
            "# Index\n\n" +
            "[good file](guide.md) [good heading](guide.md#sign-off-with-a-pin) [own heading](#index) [site](https://example.com/x)\n\n" +
            "[gone](missing.md) [bad heading](guide.md#sign-off) [bad own heading](#nowhere)\n\n" +
            "![picture](images/none.png)\n\n" +
            "| page | link |\n| --- | --- |\n| guide | [in a table](guide.md#no-such-part) |\n");

        var broken = DocumentLinks.Broken([index, guide], Path.GetFileName);

        Assert.Equal(5, broken.Count);
        Assert.Contains(broken, b => b.Contains("missing.md", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Contains("guide.md#sign-off -", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Contains("#nowhere", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Contains("images/none.png", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Contains("#no-such-part", StringComparison.Ordinal));
    }

    [Fact]
    public void Headings_are_matched_by_their_GitHub_slugs()
    {
        var guide = Write("guide.md", "# Guide\n\n## 6 HTTPS for tablets\n\n## What the app does (SQLite)\n\n## Reports\n\n## Reports\n");
        var index = Write("index.md", "[a](guide.md#6-https-for-tablets) [b](guide.md#what-the-app-does-sqlite) [c](guide.md#reports-1)\n");

        Assert.Empty(DocumentLinks.Broken([index], Path.GetFileName));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
