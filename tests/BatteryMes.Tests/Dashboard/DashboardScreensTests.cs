using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Dashboard;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.Extensions.DependencyInjection;
using static BatteryMes.Tests.Dashboard.DashboardTestData;

namespace BatteryMes.Tests.Dashboard;

/// <summary>Open dashboards share one read of each panel's figures until the next change.</summary>
public class DashboardScreensTests
{
    [Fact]
    public async Task Dashboards_share_one_result_until_a_save_is_published_and_then_see_the_save()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await database.StartAsync();
        var screens = services.GetRequiredService<DashboardScreens>();
        var recorder = services.GetRequiredService<PackRecorder>();
        await CreateAsync(recorder, "BP-SHARED-1");

        var first = await screens.GetLineAsync();
        var second = await screens.GetLineAsync();
        var firstPage = await screens.GetTrackerPageAsync(new TrackerQuery(), CancellationToken.None);
        var secondPage = await screens.GetTrackerPageAsync(new TrackerQuery(), CancellationToken.None);

        Assert.Same(first.Stages, second.Stages);
        Assert.Same(firstPage, secondPage);
        Assert.Equal(["BP-SHARED-1"], firstPage.Rows.Select(r => r.PackId));

        await CreateAsync(recorder, "BP-SHARED-2");

        var afterSave = await screens.GetTrackerPageAsync(new TrackerQuery(), CancellationToken.None);
        Assert.NotSame(firstPage, afterSave);
        Assert.Equal(2, afterSave.TotalCount);
        // One more pack on the line: some headline count has moved.
        Assert.NotEqual(first.Headline, (await screens.GetLineAsync()).Headline);
    }

    [Fact]
    public async Task A_filtered_tracker_page_is_read_for_its_caller_alone()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var services = await database.StartAsync();
        var screens = services.GetRequiredService<DashboardScreens>();
        await CreateAsync(services.GetRequiredService<PackRecorder>(), "BP-FILTER-1");

        var query = new TrackerQuery { Search = "FILTER" };
        var first = await screens.GetTrackerPageAsync(query, CancellationToken.None);
        var second = await screens.GetTrackerPageAsync(query, CancellationToken.None);

        Assert.NotSame(first, second);
        Assert.Equal(first.Rows.Select(r => r.PackId), second.Rows.Select(r => r.PackId));
    }
}
