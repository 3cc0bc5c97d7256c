using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.DataEntry;
using BatteryMes.Web.Features.QrCodes;
using Microsoft.Extensions.DependencyInjection;

namespace BatteryMes.Tests.QrCodes;

public sealed class LabelBatchApiTests
{
    [Fact]
    public async Task At_start_the_app_removes_staging_folders_a_crash_left_behind_but_keeps_fresh_ones_and_finished_batches()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        var root = Path.Combine(database.Folder, "qr_codes");
        string Folder(string name, TimeSpan age)
        {
            var path = Path.Combine(root, name);
            Directory.CreateDirectory(path);
            File.WriteAllBytes(Path.Combine(path, "BP-0001.png"), [1, 2, 3]);
            Directory.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
            return path;
        }
        var abandoned = Folder(".20260101-080000-0a1b2c.partial", TimeSpan.FromHours(3));
        var justStale = Folder(".20260101-090000-0a1b2c.partial", LabelBatchService.AbandonedAfter + TimeSpan.FromMinutes(1));
        // Another app instance on the same folder may be writing this one right now.
        var inProgress = Folder(".20260101-100000-0a1b2c.partial", TimeSpan.FromSeconds(5));
        var finished = Folder("20260101-080000-0d0e0f", TimeSpan.FromDays(30));

        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();

        Assert.False(Directory.Exists(abandoned));
        Assert.False(Directory.Exists(justStale));
        Assert.True(File.Exists(Path.Combine(inProgress, "BP-0001.png")));
        Assert.True(File.Exists(Path.Combine(finished, "BP-0001.png")));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Posting_a_numbered_batch_returns_a_zip_whose_labels_decode_to_entry_urls_of_the_public_base_url(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?> { ["BatteryMes:Server:PublicBaseUrl"] = "http://mes-line1:8501/" });
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/qr/batches", new { prefix = "BP-2026-", start = 1, count = 12, padding = 4 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        var batchId = Assert.Single(response.Headers.GetValues("X-Batch-Id"));
        var pngs = LabelDecoding.PngsIn(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(12, pngs.Count);
        foreach (var (file, png) in pngs)
            Assert.Equal($"http://mes-line1:8501/entry/{Path.GetFileNameWithoutExtension(file)}", LabelDecoding.Decode(png));
        Assert.True(Directory.Exists(Path.Combine(database.Folder, "qr_codes", batchId)));

        // The saved batch is served again: its ZIP, one label, and the printable sheet with one image per label.
        using var zip = await client.GetAsync($"/api/qr/batches/{batchId}/zip");
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        Assert.Equal(12, LabelDecoding.PngsIn(await zip.Content.ReadAsByteArrayAsync()).Count);
        using var label = await client.GetAsync($"/api/qr/batches/{batchId}/files/BP-2026-0005.png");
        Assert.Equal("http://mes-line1:8501/entry/BP-2026-0005", LabelDecoding.Decode(await label.Content.ReadAsByteArrayAsync()));
        var sheet = await client.GetStringAsync($"/qr/print/{batchId}");
        Assert.Equal(12, CountOf(sheet, "<img src=\"/api/qr/batches/"));
        Assert.Contains("@page { size: A4", sheet);
        Assert.Contains("Print sheet", sheet);
        Assert.DoesNotContain("QR Generator</", sheet); // no app navigation on the print view

        var next = await client.GetFromJsonAsync<JsonElement>("/api/qr/next-start?prefix=BP-2026-");
        Assert.Equal(13, next.GetProperty("start").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Duplicates_are_refused_with_409_listing_them_unless_skip_duplicates_is_set(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();
        await app.Services.GetRequiredService<PackRecorder>().CreatePackAsync("BP-7", null, null, Actor.System);
        (await client.PostAsJsonAsync("/api/qr/batches", new { ids = new[] { "BP-8" } })).EnsureSuccessStatusCode();

        using var refused = await client.PostAsJsonAsync("/api/qr/batches", new { ids = new[] { "BP-6", "BP-7", "BP-8", "BP-6" } });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var duplicates = problem.GetProperty("duplicates").EnumerateArray()
            .Select(d => (d.GetProperty("packId").GetString(), d.GetProperty("kind").GetString())).ToList();
        Assert.Equal([("BP-7", "ExistingPack"), ("BP-8", "IssuedEarlier"), ("BP-6", "RepeatedInBatch")], duplicates);

        using var skipped = await client.PostAsJsonAsync("/api/qr/batches", new { ids = new[] { "BP-6", "BP-7", "BP-8", "BP-6" }, skipDuplicates = true, payload = "PackId" });

        Assert.Equal(HttpStatusCode.OK, skipped.StatusCode);
        Assert.Equal("3", Assert.Single(skipped.Headers.GetValues("X-Labels-Skipped")));
        var png = Assert.Single(LabelDecoding.PngsIn(await skipped.Content.ReadAsByteArrayAsync()));
        Assert.Equal(("BP-6.png", "BP-6"), (png.Key, LabelDecoding.Decode(png.Value)));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_bad_batch_gets_400_with_every_problem_named(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database, new Dictionary<string, string?> { ["BatteryMes:QrCodes:MaxBatchSize"] = "20" });
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/qr/batches", new { prefix = "BP/", start = 1, count = 21, padding = 4, baseUrl = "ftp://x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains("'/'", errors[0]);
        Assert.Contains("at most 20 labels", errors[1]);
        Assert.Contains("'ftp://x' is not a web address", errors[2]);
        Assert.False(Directory.Exists(Path.Combine(database.Folder, "qr_codes")));
    }

    [Fact]
    public async Task A_missing_batch_or_a_file_outside_the_batch_is_not_found()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();
        using var created = await client.PostAsJsonAsync("/api/qr/batches", new { ids = new[] { "BP-1" } });
        var batchId = created.Headers.GetValues("X-Batch-Id").Single();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/qr/batches/20990101-000000-abcdef/zip")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/qr/batches/{batchId}/files/batch.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/qr/batches/{batchId}/files/..%2F..%2Fbattery_mes.db")).StatusCode);
        Assert.Contains("No such label batch", await client.GetStringAsync("/qr/print/nothing-here"));
    }

    [Fact]
    public async Task Every_label_of_a_saved_batch_is_served_for_the_print_view_until_its_folder_is_deleted()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var client = app.CreateClient();
        using var created = await client.PostAsJsonAsync("/api/qr/batches", new { prefix = "BP-9-", start = 1, count = 12, padding = 2, payload = "PackId" });
        var batchId = created.Headers.GetValues("X-Batch-Id").Single();

        var sheet = await client.GetStringAsync($"/qr/print/{batchId}");
        for (var n = 1; n <= 12; n++)
        {
            var url = $"/api/qr/batches/{batchId}/files/BP-9-{n:00}.png";
            Assert.Contains(url, sheet);
            Assert.Equal($"BP-9-{n:00}", LabelDecoding.Decode(await client.GetByteArrayAsync(url)));
        }

        // A batch removed from the QR folder by hand is gone, even though the app has read it before.
        Directory.Delete(Path.Combine(database.Folder, "qr_codes", batchId), recursive: true);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/qr/batches/{batchId}/files/BP-9-01.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/qr/batches/{batchId}/zip")).StatusCode);
        Assert.Contains("No such label batch", await client.GetStringAsync($"/qr/print/{batchId}"));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
