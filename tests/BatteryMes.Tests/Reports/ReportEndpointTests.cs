using System.Net;
using System.Net.Http.Json;
using System.Text;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Reports;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Reports.ReportsTestKit;

namespace BatteryMes.Tests.Reports;

public class ReportEndpointTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_packs_form_downloads_with_its_id_and_date_in_the_file_name(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);
        var today = factory.Services.GetRequiredService<PlantClock>().LocalNow.ToString("yyyy-MM-dd");

        using var response = await client.GetAsync($"/api/packs/{PackId}/report.xlsx");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ReportsFeature.XlsxContentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{PackId}_process-card_{today}.xlsx", response.Content.Headers.ContentDisposition?.FileNameStar);
        using var file = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        using var workbook = Open(file);
        Assert.Equal(PackId, workbook.Worksheet(1).Cell("J6").GetString());
    }

    [Fact]
    public async Task An_unknown_pack_gets_404_with_a_message()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/api/packs/BP-NOPE/report.xlsx");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal("Pack BP-NOPE was not found.", problem?.Detail);
    }

    [Fact]
    public async Task A_missing_template_gives_a_message_and_not_a_server_error()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = new MesAppFactory(database, new Dictionary<string, string?> { ["BatteryMes:Reports:TemplateFile"] = Path.Combine(database.Folder, "gone.xlsx") });
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services);

        using var response = await client.GetAsync($"/api/packs/{PackId}/report.xlsx");
        using var master = await client.GetAsync("/api/reports/master.xlsx");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Contains("was not found", problem?.Detail);
        Assert.Equal(HttpStatusCode.OK, master.StatusCode);
    }

    [Theory]
    [InlineData("/api/reports/results.csv?status=bogus", "Status 'bogus' is unknown")]
    [InlineData("/api/reports/master.xlsx?stage=12", "Stage '12' is not a stage of the route")]
    [InlineData("/api/reports/results.csv?from=2026-13-01", "'from' must be a date written as yyyy-MM-dd")]
    [InlineData("/api/reports/master.xlsx?from=2026-05-02&to=2026-05-01", "starts (2026-05-02) after it ends (2026-05-01)")]
    public async Task A_bad_filter_gets_400_with_a_message(string url, string message)
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Contains(message, problem?.Detail);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_csv_and_the_master_stream_the_filtered_packs(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var factory = new MesAppFactory(database);
        using var client = factory.CreateClient();
        await SeedAsync(factory.Services, "BP-1");
        await SeedAsync(factory.Services, "BP-2");

        using var csv = await client.GetAsync("/api/reports/results.csv?q=bp-2&status=In%20process&technician=K%C3%B6m%C3%BCrc%C3%BC&stage=1");
        using var master = await client.GetAsync("/api/reports/master.xlsx?q=BP-1");

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("results_", csv.Content.Headers.ContentDisposition?.FileNameStar);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        var table = MasterAndCsvTests.ReadCsv(Encoding.UTF8.GetString(bytes[3..]));
        Assert.Equal(66, table.Count);
        Assert.All(table.Skip(1), row => Assert.Equal("BP-2", row[0]));
        Assert.Contains(table, row => row.Contains("Ramesh Kumar (रमेश)"));

        Assert.Equal(HttpStatusCode.OK, master.StatusCode);
        Assert.StartsWith("master_", master.Content.Headers.ContentDisposition?.FileNameStar);
        using var workbook = Open(new MemoryStream(await master.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["Summary", "BP-1"], workbook.Worksheets.Select(w => w.Name));
    }
}
