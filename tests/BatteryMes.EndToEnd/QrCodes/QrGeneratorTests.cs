using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using BatteryMes.EndToEnd.Infrastructure;
using BatteryMes.Tests.Infrastructure;
using Microsoft.Playwright;
using BatteryMes.Web.Features.QrCodes;
using static Microsoft.Playwright.Assertions;

namespace BatteryMes.EndToEnd.QrCodes;

[Collection(BrowserCollection.Name)]
public sealed partial class QrGeneratorTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppServer _app = null!;

    public async Task InitializeAsync() => _app = await AppServer.StartAsync();
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_user_previews_generates_downloads_the_zip_and_opens_the_printable_sheet()
    {
        var page = await browser.NewPageAsync(width: 1024, height: 900);
        await _app.SignInAsync(page, TestPeople.Rig, "/qr");

        await page.GetByLabel("Prefix").FillAsync("E2E-");
        await page.GetByLabel("Start number").FillAsync("1");
        await page.GetByLabel("Number of labels").FillAsync("8");
        await page.GetByLabel("Digits (zero-padded)").FillAsync("3");
        await page.GetByLabel("Second line (optional)").FillAsync("Model BX-48V");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();

        await Expect(page.GetByText("8 labels: E2E-001 to E2E-008")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Preview of label E2E-001" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Generate labels" }).ClickAsync();
        await Expect(page.GetByText("Generated 8 labels")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "batterymes-qr-generated-1024.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download ZIP" }).ClickAsync());
        var zipPath = Path.Combine(_app.Database.Folder, "download.zip");
        await download.SaveAsAsync(zipPath);
        using (var zip = ZipFile.OpenRead(zipPath))
        {
            var pngs = zip.Entries.Where(e => e.Name.EndsWith(".png", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(1, 8).Select(n => $"E2E-{n:000}.png"), pngs.Select(e => e.Name).Order());
            // No base URL configured: the labels link to the address the browser used.
            foreach (var entry in pngs)
                Assert.Equal(_app.Url($"/entry/{Path.GetFileNameWithoutExtension(entry.Name)}"), Decode(entry));
            Assert.Contains(zip.Entries, e => e.Name == "sheet.html");
        }

        var sheet = await page.RunAndWaitForPopupAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Open printable sheet" }).ClickAsync());
        await Expect(sheet.GetByRole(AriaRole.Button, new() { Name = "Print sheet" })).ToBeVisibleAsync();
        await Expect(sheet.GetByRole(AriaRole.Img)).ToHaveCountAsync(8);
        await Expect(sheet.GetByRole(AriaRole.Link, new() { Name = "QR Generator" })).ToHaveCountAsync(0);
        await WaitForImagesAsync(sheet);

        var pdf = await sheet.PdfAsync(new() { Format = "A4", PreferCSSPageSize = true });
        Assert.Equal(1, PageCount(pdf));
        Assert.True(ImageCount(pdf) >= 8, "every label is an image in the PDF");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData(768, 0.9)]
    [InlineData(1024, 0.9)]
    [InlineData(1280, 0.5)]
    public async Task On_a_tablet_the_form_takes_the_width_and_the_preview_comes_under_it(int width, double share)
    {
        var page = await browser.NewPageAsync(width: width, height: 900);
        await _app.SignInAsync(page, TestPeople.Rig, "/qr");
        var form = page.Locator(".mud-paper", new() { Has = page.GetByText("Which IDs") });
        var content = page.Locator(".mud-main-content .mud-container").First;

        await page.GetByLabel("Prefix").FillAsync("TAB-");
        await page.GetByLabel("Start number").FillAsync("1");
        await page.GetByLabel("Number of labels").FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.GetByText("3 labels: TAB-0001 to TAB-0003")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"batterymes-qr-form-{width}.png"), FullPage = true });

        // Boxes are relative to the scrolled viewport: measure them together, after the page has settled.
        var formBox = (await form.BoundingBoxAsync())!;
        var contentBox = (await content.BoundingBoxAsync())!;
        Assert.True(formBox.Width >= share * contentBox.Width, $"the form is {formBox.Width:0} px of {contentBox.Width:0} px at {width} px");
        var preview = (await page.Locator(".mud-paper", new() { Has = page.GetByText("First payload") }).BoundingBoxAsync())!;
        if (share > 0.5) Assert.True(preview.Y >= formBox.Y + formBox.Height, "below the large-screen breakpoint the preview sits under the form");
        else Assert.True(preview.X >= formBox.X + formBox.Width, "on a wide screen the preview sits beside the form");
        foreach (var name in new[] { "Preview", "Generate labels", "Continue numbering" })
            Assert.True((await page.GetByRole(AriaRole.Button, new() { Name = name }).BoundingBoxAsync())!.Height >= 40, $"'{name}' is a large button");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_duplicate_in_the_batch_is_flagged_and_the_user_can_skip_it()
    {
        using var http = _app.CreateHttpClient();
        (await http.PostAsJsonAsync("/api/qr/batches", new { ids = new[] { "DUP-2" } })).EnsureSuccessStatusCode();
        var page = await browser.NewPageAsync();
        await _app.SignInAsync(page, TestPeople.Rig, "/qr");

        await page.GetByRole(AriaRole.Radio, new() { Name = "List of IDs" }).CheckAsync();
        await page.GetByLabel("Pack IDs, one per line").FillAsync("DUP-1\nDUP-2\nDUP-3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate labels" }).ClickAsync();

        await Expect(page.GetByText("1 duplicate IDs found")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "A label for DUP-2 was already issued in batch", Exact = false })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Skip duplicates and generate" }).ClickAsync();

        await Expect(page.GetByText("Generated 2 labels")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Label DUP-3" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Label DUP-2" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_large_batch_prints_on_as_many_a4_pages_as_its_grid_needs()
    {
        using var http = _app.CreateHttpClient();
        // 300 px at 300 DPI is 25.4 mm wide: 7 columns x 9 rows = 63 labels per A4 page, so 100 labels take 2 pages.
        using var response = await http.PostAsJsonAsync("/api/qr/batches", new { prefix = "PDF-", start = 1, count = 100, padding = 4, size = 300, dpi = 300 });
        response.EnsureSuccessStatusCode();
        var batchId = response.Headers.GetValues("X-Batch-Id").Single();
        var page = await browser.NewPageAsync();
        // The print sheet has no live circuit to wait for: sign in on the generator, then open the sheet.
        await _app.SignInAsync(page, TestPeople.Rig, "/qr");
        await page.GotoAsync(_app.Url($"/qr/print/{batchId}"));
        await Expect(page.GetByRole(AriaRole.Img)).ToHaveCountAsync(100);
        await WaitForImagesAsync(page);

        var pdf = await page.PdfAsync(new() { PreferCSSPageSize = true, Path = Path.Combine(Path.GetTempPath(), "batterymes-qr-sheet.pdf") });

        Assert.Equal(2, PageCount(pdf));
        Assert.Equal(2, await page.Locator("section.label-page").CountAsync());
        await page.Context.CloseAsync();
    }

    private static Task WaitForImagesAsync(IPage page) =>
        page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");

    [GeneratedRegex(@"/Type\s*/Page(?![s\w])")]
    private static partial Regex PageObject();

    private static int PageCount(byte[] pdf) => PageObject().Matches(Encoding.Latin1.GetString(pdf)).Count;

    private static int ImageCount(byte[] pdf) => Regex.Matches(Encoding.Latin1.GetString(pdf), @"/Subtype\s*/Image").Count;

    private static string? Decode(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new QrDecoder().Decode(copy.ToArray()).Text;
    }
}
