using System.Net;
using System.Net.Http.Json;
using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.Dashboard;

namespace BatteryMes.Tests.Dashboard;

public class DashboardApiTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Should_set_the_daily_target_over_the_api_and_show_it_on_the_first_screen(DatabaseProvider provider)
    {
        await using var database = TestDatabase.Create(provider);
        await using var app = new MesAppFactory(database);
        using var http = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/dashboard/target")).StatusCode);

        // A typed "setBy" is ignored: the target records the person who set it.
        var put = await http.PutAsJsonAsync("/api/dashboard/target", new { packsPerDay = 140, setBy = "Meera" });
        put.EnsureSuccessStatusCode();

        var target = await http.GetFromJsonAsync<TargetEntry>("/api/dashboard/target");
        Assert.Equal((140, TestPeople.Rig.FullName), (target!.PacksPerDay, target.SetBy));
        var screen = await http.GetFromJsonAsync<DashboardFirstScreen>("/api/dashboard");
        Assert.Equal(140, screen!.Plan.TargetToday);
        Assert.Equal(8, screen.Stages.Count);
    }

    [Fact]
    public async Task Should_refuse_a_negative_target_over_the_api_with_a_problem_that_says_why()
    {
        await using var database = TestDatabase.Create(DatabaseProvider.Sqlite);
        await using var app = new MesAppFactory(database);
        using var http = app.CreateClient();

        var put = await http.PutAsJsonAsync("/api/dashboard/target", new { packsPerDay = -5 });

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("whole number from 0", await put.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(0, 25, "BatteryMes:Dashboard:RefreshDelayMilliseconds")]
    [InlineData(500, 1000, "BatteryMes:Dashboard:TrackerPageSize")]
    public void Should_refuse_a_dashboard_setting_out_of_range_with_a_message_that_names_it(int delay, int pageSize, string setting)
    {
        var result = new DashboardOptionsValidator().Validate(null, new DashboardOptions { RefreshDelayMilliseconds = delay, TrackerPageSize = pageSize });

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage);
        Assert.True(new DashboardOptionsValidator().Validate(null, new DashboardOptions()).Succeeded);
    }
}
