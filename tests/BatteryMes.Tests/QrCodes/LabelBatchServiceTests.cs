using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Data;
using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.QrCodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatteryMes.Tests.QrCodes;

public sealed class LabelBatchServiceTests
{
    private const string Base = "http://192.168.1.20:8501";

    private static Task<ServiceProvider> StartAsync(TestDatabase database, int maxBatchSize = 1000, string publicBaseUrl = "", QrCodesOptions? options = null) =>
        database.StartAsync(services =>
        {
            services.AddSingleton(Options.Create(options ?? new QrCodesOptions { MaxBatchSize = maxBatchSize }));
            services.AddSingleton(Options.Create(new ServerOptions { PublicBaseUrl = publicBaseUrl }));
            services.AddSingleton<LabelBatchService>();
        });

    private static LabelBatchRequest Range(string prefix, int start, int count, int padding = 4) =>
        new() { Prefix = prefix, Start = start, Count = count, Padding = padding, Size = 300, Dpi = 300 };

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Every_label_of_a_numbered_batch_decodes_back_to_its_entry_url_and_is_recorded_once(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await StartAsync(database, publicBaseUrl: Base);
        var labels = services.GetRequiredService<LabelBatchService>();

        var result = await labels.GenerateAsync(Range("BP-2026-", 1, 25), requestBaseUrl: "http://localhost:5000");

        Assert.Equal(LabelBatchOutcome.Generated, result.Outcome);
        var batch = result.Batch!;
        var expected = Enumerable.Range(1, 25).Select(n => $"BP-2026-{n:0000}").ToList();
        Assert.Equal(expected, batch.Labels.Select(l => l.PackId));
        var pngs = LabelDecoding.PngsIn(File.ReadAllBytes(batch.ZipPath));
        Assert.Equal(25, pngs.Count);
        foreach (var id in expected)
        {
            var payload = LabelDecoding.Decode(pngs[id + ".png"]);
            Assert.Equal($"{Base}/entry/{id}", payload);
            // What the Data Entry page does with a scan: the label opens this pack.
            Assert.Equal(id, PackIdentifier.ReadScan(payload).PackId);
        }
        Assert.Contains("sheet.html", LabelDecoding.EntryNames(File.ReadAllBytes(batch.ZipPath)));

        // Saved in a folder of its own under the QR folder: PNGs, ZIP, sheet.
        Assert.Equal(Path.Combine(database.Folder, "qr_codes", batch.BatchId), batch.Folder);
        Assert.Equal(25, Directory.GetFiles(batch.Folder, "*.png").Length);
        Assert.True(File.Exists(Path.Combine(batch.Folder, batch.ZipFileName)));
        Assert.True(File.Exists(Path.Combine(batch.Folder, "sheet.html")));
        // Built in a staging folder and renamed when complete: nothing half-made is left beside it.
        Assert.Equal([batch.Folder], Directory.GetDirectories(Path.Combine(database.Folder, "qr_codes")));

        await using var db = await services.OpenAsync();
        var issued = await db.IssuedLabels.OrderBy(l => l.Number).ToListAsync();
        Assert.Equal(expected, issued.Select(l => l.PackId));
        Assert.All(issued, l => Assert.Equal(batch.BatchId, l.BatchId));
        Assert.All(issued, l => Assert.Equal("BP-2026-", l.Prefix));
        Assert.Equal($"{Base}/entry/BP-2026-0007", issued[6].Payload);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_list_of_ids_with_bare_id_payload_in_millimetres_decodes_to_the_ids(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await StartAsync(database);
        var labels = services.GetRequiredService<LabelBatchService>();
        var ids = new List<string> { "PK-A1", "  pk_b.2  ", "", "Z9" };

        var result = await labels.GenerateAsync(new LabelBatchRequest
        {
            Ids = ids, Payload = LabelPayload.PackId, Size = 25, Unit = LabelSizeUnit.Millimetres, Dpi = 203, SecondLine = "Model BX-48V",
        }, requestBaseUrl: null);

        Assert.Equal(LabelBatchOutcome.Generated, result.Outcome);
        // Listed IDs are trimmed and made canonical (upper case) before they are encoded.
        Assert.Equal(["PK-A1", "PK_B.2", "Z9"], result.Batch!.Labels.Select(l => LabelDecoding.Decode(File.ReadAllBytes(Path.Combine(result.Batch.Folder, l.FileName)))));
        Assert.Equal(200, result.Plan.WidthPixels); // 25 mm at 203 DPI
        var manifest = await labels.ReadBatchAsync(result.Batch.BatchId);
        Assert.NotNull(manifest);
        Assert.Equal(25, manifest.WidthMillimetres, precision: 0);
        await using var db = await services.OpenAsync();
        Assert.All(await db.IssuedLabels.ToListAsync(), l => Assert.Null(l.Prefix));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Duplicates_of_all_three_kinds_are_flagged_before_anything_is_generated_and_can_be_skipped(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await StartAsync(database);
        var labels = services.GetRequiredService<LabelBatchService>();
        await services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-0002", null, null, Actor.System);
        var earlier = await labels.GenerateAsync(new LabelBatchRequest { Ids = ["BP-0003"], Payload = LabelPayload.PackId }, null);
        Assert.True(earlier.Succeeded);

        var request = new LabelBatchRequest { Ids = ["BP-0001", "BP-0002", "BP-0003", "BP-0004", "BP-0001"], Payload = LabelPayload.PackId };
        var refused = await labels.GenerateAsync(request, null);

        Assert.Equal(LabelBatchOutcome.Duplicates, refused.Outcome);
        Assert.Null(refused.Batch);
        Assert.Equal(
            [("BP-0002", DuplicateKind.ExistingPack), ("BP-0003", DuplicateKind.IssuedEarlier), ("BP-0001", DuplicateKind.RepeatedInBatch)],
            refused.Plan.Duplicates.Select(d => (d.PackId, d.Kind)));
        Assert.Contains(earlier.Batch!.BatchId, refused.Plan.Duplicates[1].Reason);
        Assert.Contains("Skip them", refused.Message);
        await using (var db = await services.OpenAsync())
            Assert.Equal(["BP-0003"], await db.IssuedLabels.Select(l => l.PackId).ToListAsync());
        Assert.Single(Directory.GetDirectories(labels.Root));

        request.SkipDuplicates = true;
        var skipped = await labels.GenerateAsync(request, null);

        Assert.Equal(LabelBatchOutcome.Generated, skipped.Outcome);
        Assert.Equal(["BP-0001", "BP-0004"], skipped.Batch!.Labels.Select(l => l.PackId));
        Assert.Equal(3, skipped.Batch.Skipped);
        await using (var db = await services.OpenAsync())
            Assert.Equal(["BP-0001", "BP-0003", "BP-0004"], (await db.IssuedLabels.Select(l => l.PackId).ToListAsync()).Order());

        // Once issued, the same range is refused as a whole.
        var again = await labels.GenerateAsync(new LabelBatchRequest { Ids = ["BP-0001", "BP-0004"], Payload = LabelPayload.PackId, SkipDuplicates = true }, null);
        Assert.Equal(LabelBatchOutcome.NothingToGenerate, again.Outcome);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_next_start_number_continues_the_numbering_of_each_prefix(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await StartAsync(database);
        var labels = services.GetRequiredService<LabelBatchService>();

        Assert.Equal(1, await labels.NextStartNumberAsync("BP-2026-"));
        Assert.True((await labels.GenerateAsync(Range("BP-2026-", 40, 5), Base)).Succeeded);
        Assert.True((await labels.GenerateAsync(Range("OTHER-", 900, 2), Base)).Succeeded);

        Assert.Equal(45, await labels.NextStartNumberAsync("BP-2026-"));
        Assert.Equal(902, await labels.NextStartNumberAsync("OTHER-"));
        Assert.Equal(1, await labels.NextStartNumberAsync("NEW-"));
        var next = await labels.GenerateAsync(Range("BP-2026-", await labels.NextStartNumberAsync("BP-2026-"), 3), Base);
        Assert.Equal(LabelBatchOutcome.Generated, next.Outcome);
        Assert.Equal("BP-2026-0045", next.Batch!.Labels[0].PackId);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Continue_numbering_starts_after_the_highest_registered_pack_or_issued_label_whatever_the_case(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var services = await StartAsync(database);
        var labels = services.GetRequiredService<LabelBatchService>();
        var recorder = services.GetRequiredService<PackRecorder>();
        // Registered by hand (no labels issued): BP-2026-0001..0030, and IDs that only look alike.
        for (var n = 1; n <= 30; n++) Assert.True((await recorder.CreatePackAsync($"BP-2026-{n:0000}", null, null, new Actor("Asha", "10.0.0.5"))).Succeeded);
        Assert.True((await recorder.CreatePackAsync("BP-2026-0099-B", null, null, new Actor("Asha", "10.0.0.5"))).Succeeded);
        Assert.True((await recorder.CreatePackAsync("BP-2027-0500", null, null, new Actor("Asha", "10.0.0.5"))).Succeeded);

        var next = await labels.NextNumberAsync("bp-2026-");
        Assert.Equal(new NextNumber(31, "BP-2026-0030"), next);
        var plan = await labels.PlanAsync(Range("BP-2026-", next.Start, 10), Base);
        Assert.Empty(plan.Duplicates);
        Assert.Equal(10, plan.ToGenerate.Count);

        // Issued labels beyond the registered packs win.
        Assert.True((await labels.GenerateAsync(Range("BP-2026-", 31, 20), Base)).Succeeded);
        Assert.Equal(new NextNumber(51, "BP-2026-0050"), await labels.NextNumberAsync("BP-2026-"));
    }

    [Fact]
    public async Task A_batch_wider_than_the_pixel_cap_or_larger_than_the_byte_cap_is_refused_naming_the_setting()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await StartAsync(database, options: new QrCodesOptions { MaxLabelPixels = 1200, MaxBatchMegabytes = 1 });
        var labels = services.GetRequiredService<LabelBatchService>();

        var tooWide = await labels.GenerateAsync(new LabelBatchRequest { Prefix = "BP-", Start = 1, Count = 2, Size = 1300, Dpi = 600 }, Base);
        var tooMany = await labels.GenerateAsync(new LabelBatchRequest { Prefix = "BP-", Start = 1, Count = 400, Size = 1000, Dpi = 600 }, Base);

        Assert.Equal(LabelBatchOutcome.Invalid, tooWide.Outcome);
        Assert.Contains("between 96 and 1200 pixels (setting BatteryMes:QrCodes:MaxLabelPixels", tooWide.Message);
        Assert.Equal(LabelBatchOutcome.Invalid, tooMany.Outcome);
        Assert.Contains("a batch may hold 1 MB (setting BatteryMes:QrCodes:MaxBatchMegabytes)", tooMany.Message);
        Assert.False(Directory.Exists(labels.Root) && Directory.EnumerateFileSystemEntries(labels.Root).Any());
    }

    [Fact]
    public async Task A_batch_that_cannot_get_a_turn_in_time_is_refused_with_try_again_and_issues_nothing()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await StartAsync(database, options: new QrCodesOptions { MaxConcurrentBatches = 1, QueueWaitSeconds = 0 });
        var labels = services.GetRequiredService<LabelBatchService>();

        var first = labels.GenerateAsync(Range("BP-A-", 1, 600), Base);
        // The first batch has its turn once its staging folder exists.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(Directory.Exists(labels.Root) && Directory.EnumerateDirectories(labels.Root, ".*.partial").Any()) && DateTime.UtcNow < deadline && !first.IsCompleted)
            await Task.Delay(5);
        var second = await labels.GenerateAsync(Range("BP-B-", 1, 5), Base);

        Assert.False(first.IsCompleted, "the first batch finished before the second was tried; make it larger");
        Assert.Equal(LabelBatchOutcome.Busy, second.Outcome);
        Assert.Contains("try again in a minute", second.Message);
        Assert.Equal(LabelBatchOutcome.Generated, (await first).Outcome);
        Assert.Equal(LabelBatchOutcome.Generated, (await labels.GenerateAsync(Range("BP-B-", 1, 5), Base)).Outcome);
    }

    [Theory]
    [InlineData("http://localhost:8501", true)]
    [InlineData("http://127.0.0.1:8501/", true)]
    [InlineData("http://[::1]:8501", true)]
    [InlineData("http://192.168.1.20:8501", false)]
    [InlineData("https://mes.plant.local", false)]
    public void Loopback_base_urls_are_recognised_so_that_the_page_can_warn(string url, bool loopback) =>
        Assert.Equal(loopback, LabelBatchService.IsLoopback(url));

    public static TheoryData<string, LabelBatchRequest, string> BadRequests => new()
    {
        { "count zero", Range("BP-", 1, 0), "Enter how many labels to make: 1 to 50" },
        { "count over the limit", Range("BP-", 1, 51), "at most 50 labels (setting BatteryMes:QrCodes:MaxBatchSize); you asked for 51" },
        { "prefix with URL-unsafe characters", Range("BP 26/#", 1, 5), "contains space, '/', '#', which cannot go in a label URL" },
        { "prefix that breaks the ID rules", Range("-BP", 1, 5), "is not a valid pack ID" },
        { "ID too long", Range("BP-2026-LINE-ONE-BATTERY-PACK-", 1, 5, padding: 12), "the limit is 40" },
        { "bad ID in a list", new LabelBatchRequest { Ids = ["BP-1", "BP 2!"] }, "ID 2: 'BP 2!' is not a valid pack ID" },
        { "base URL that is not a URL", new LabelBatchRequest { Ids = ["BP-1"], BaseUrl = "server:8501/mes" }, "The base URL 'server:8501/mes' is not a web address" },
        { "prefix with a right-to-left override", Range("BP\u202E-", 1, 5), "The prefix 'BP<U+202E>-' contains '<U+202E>', which cannot go" },
        { "ID in a list with an isolate", new LabelBatchRequest { Ids = ["BP-1", "\u20661-PB\u2069"] }, "ID 2: '<U+2066>1-PB<U+2069>' is not a valid pack ID" },
        { "base URL with a control character", new LabelBatchRequest { Ids = ["BP-1"], BaseUrl = "mes\u0085\u001B[2J" }, "The base URL 'mes<U+0085><U+001B>[2J' is not" },
        { "base URL with a query", new LabelBatchRequest { Ids = ["BP-1"], BaseUrl = "http://mes.local/?x=1" }, "must not contain '?' or '#'" },
        { "base URL too long for a label", new LabelBatchRequest { Ids = ["BP-1"], BaseUrl = "http://mes.local/" + new string('a', 400) }, "the limit is 400" },
        { "label too small for the code", new LabelBatchRequest { Ids = ["BP-1"], Size = 100 }, "a reliable scan needs 3" },
        { "size in mm too large for A4", new LabelBatchRequest { Ids = ["BP-1"], Size = 200, Unit = LabelSizeUnit.Millimetres, Dpi = 72 }, "takes labels up to 150 mm" },
        { "DPI out of range", new LabelBatchRequest { Ids = ["BP-1"], Dpi = 5 }, "DPI must be between 72 and 1200" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_batch_is_refused_with_a_message_and_nothing_is_issued(string _, LabelBatchRequest request, string message)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await StartAsync(database, maxBatchSize: 50);
        var labels = services.GetRequiredService<LabelBatchService>();

        var result = await labels.GenerateAsync(request, Base);

        Assert.Equal(LabelBatchOutcome.Invalid, result.Outcome);
        Assert.Contains(message, result.Message);
        await using var db = await services.OpenAsync();
        Assert.Equal(0, await db.IssuedLabels.CountAsync());
        Assert.False(Directory.Exists(labels.Root));
    }

    [Fact]
    public async Task Without_any_base_url_an_entry_url_batch_asks_for_one()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await StartAsync(database);

        var plan = await services.GetRequiredService<LabelBatchService>().PlanAsync(new LabelBatchRequest { Ids = ["BP-1"] }, requestBaseUrl: null);

        Assert.Contains(plan.Errors, e => e.Contains("There is no base URL"));
    }

    [Fact]
    public void The_pack_id_and_the_second_line_are_drawn_under_the_code()
    {
        var payload = "http://mes.local/entry/BP-2026-0001";
        var modules = LabelImage.ModuleCount(payload);
        var plain = LabelImage.RenderPng(payload, "BP-2026-0001", null, 300);
        var twoLines = LabelImage.RenderPng(payload, "BP-2026-0001", "Model BX-48V", 300);

        Assert.Equal(300, plain.WidthPixels);
        Assert.True(twoLines.HeightPixels > plain.HeightPixels);
        // Rows below the code's bottom quiet zone hold only the text: ink there means the font rendered.
        var codeBottom = (300 - 300 / modules * modules) / 2 + (modules - 2) * (300 / modules);
        Assert.InRange(LabelDecoding.DarkShareBelow(plain.Bytes, codeBottom), 0.03, 0.6);
        Assert.Equal(payload, LabelDecoding.Decode(twoLines.Bytes));
    }

    [Theory]
    [InlineData("BP-2026-0001", 99)]
    [InlineData("http://mes.local/entry/BP-2026-0001", 153)]
    [InlineData("http://mes.local/entry/BP-2026-0001", 354)]
    [InlineData("http://192.168.1.20:8501/entry/BP-2026-000123", 1181)]
    public void Every_module_is_a_sharp_square_of_whole_pixels_inside_a_white_quiet_zone(string payload, int width)
    {
        using var data = QRCoder.QRCodeGenerator.GenerateQrCode(payload, QRCoder.QRCodeGenerator.ECCLevel.H);
        var matrix = data.ModuleMatrix;
        var modules = matrix.Count;
        var perModule = width / modules;
        var offset = (width - perModule * modules) / 2;

        var label = LabelImage.RenderPng(payload, "BP-2026-0001", "Model BX-48V", width);

        using var bitmap = SkiaSharp.SKBitmap.Decode(label.Bytes);
        Assert.Equal((width, label.HeightPixels), (bitmap.Width, bitmap.Height));
        // Pure black or pure white, pixel for pixel as QRCoder's matrix says (its 4-module quiet zone included), and
        // the margin left by whole-pixel modules white too: no blur, no grey edge for a scanner to guess at.
        for (var y = 0; y < offset + modules * perModule; y++)
            for (var x = 0; x < width; x++)
            {
                var inCode = x >= offset && y >= offset && x < offset + modules * perModule;
                var dark = inCode && matrix[(y - offset) / perModule][(x - offset) / perModule];
                var grey = bitmap.GetPixel(x, y).Red;
                // The text block starts two modules into the bottom quiet zone: only the code's rows are pixel-exact.
                if (y >= offset + (modules - 2) * perModule) break;
                Assert.True(grey == (dark ? 0 : 255), $"pixel ({x}, {y}) is {grey}, the matrix says {(dark ? "dark" : "light")}");
            }
        Assert.Equal(payload, LabelDecoding.Decode(label.Bytes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100_001)]
    public void A_max_batch_size_outside_its_range_stops_start_up_with_a_message_naming_the_setting(int value)
    {
        var result = new QrCodesOptionsValidator().Validate(null, new QrCodesOptions { MaxBatchSize = value });

        Assert.True(result.Failed);
        Assert.Contains("BatteryMes:QrCodes:MaxBatchSize must be between 1 and 100000", result.FailureMessage);
    }
}
