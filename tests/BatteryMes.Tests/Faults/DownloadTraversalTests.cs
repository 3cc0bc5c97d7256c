using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using Microsoft.Data.Sqlite;

namespace BatteryMes.Tests.Faults;

/// <summary>Path traversal in the download parameters of backups and QR label files, sent byte for byte over a raw
/// socket to the app on real Kestrel (an HttpClient or the in-memory test host would tidy "..", encoded slashes and
/// NUL away before the app saw them). Each gets a 4xx, never a file from outside the listed backups or the batch
/// folder, and the app stays up. SQLite only: the file paths do not depend on the database provider, and the live
/// SQLite file next to the backup folder is the juiciest target.</summary>
public class DownloadTraversalTests
{
    [Fact]
    public async Task Traversal_in_backup_and_label_download_paths_gets_a_4xx_and_never_a_file_outside_its_folder()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = await AppProcess.StartAsync(database);
        using var client = app.CreateClient();
        using (var backup = await client.PostAsJsonAsync("/api/backups", new { }))
            Assert.Equal(HttpStatusCode.Created, backup.StatusCode);
        using var batch = await client.PostAsJsonAsync("/api/qr/batches", new { ids = new[] { "BP-TRAVERSE-1" } });
        Assert.True(batch.IsSuccessStatusCode, await batch.Content.ReadAsStringAsync());
        var batchId = batch.Headers.GetValues("X-Batch-Id").Single();
        var databaseFile = Path.GetFileName(new SqliteConnectionStringBuilder(database.ConnectionString).DataSource);

        string[] escapes =
        [
            $"../{databaseFile}",
            $"..%2f{databaseFile}",
            $"..%2F..%2F{databaseFile}",
            $"%2e%2e%2f{databaseFile}",
            $"%2e%2e/%2e%2e/{databaseFile}",
            $"..%5c{databaseFile}",
            $"....//{databaseFile}",
            $"manual/..%2f..%2f{databaseFile}",
            "%2fetc%2fpasswd",
            "..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
            "%252e%252e%252fetc%252fpasswd",
            $"..%00/{databaseFile}",
            "%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
        ];
        var paths = escapes.SelectMany(e => new[]
        {
            $"/api/backups/{e}",
            $"/api/qr/batches/{batchId}/files/{e}",
            $"/api/qr/batches/{e}/zip",
            $"/api/qr/batches/{e}/files/BP-TRAVERSE-1.png",
        }).Append("/api/backups//etc/passwd").ToList();

        var wrong = new List<string>();
        foreach (var path in paths)
        {
            var (status, body) = await RawGetAsync(app.BaseUrl, path);
            var leaked = body.Contains("SQLite format 3", StringComparison.Ordinal) || body.Contains("root:x:0:0", StringComparison.Ordinal);
            if (status is < 400 or >= 500 || leaked) wrong.Add($"{path}: {status}{(leaked ? " with file content" : "")}");
        }

        Assert.True(wrong.Count == 0, "Answers that are not a clean 4xx:\n" + string.Join("\n", wrong));
        Assert.False(app.HasExited);
        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // The real files are still served: the refusals above are about the paths, not a broken download.
        using var png = await client.GetAsync($"/api/qr/batches/{batchId}/files/BP-TRAVERSE-1.png");
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
    }

    private static async Task<(int Status, string Body)> RawGetAsync(string baseUrl, string path)
    {
        var uri = new Uri(baseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {uri.Host}:{uri.Port}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var statusLine = response.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ');
        return (parts.Length > 1 && int.TryParse(parts[1], out var status) ? status : 0, response);
    }
}
