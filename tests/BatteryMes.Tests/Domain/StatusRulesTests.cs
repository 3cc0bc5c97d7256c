using BatteryMes.Web.Domain;

namespace BatteryMes.Tests.Domain;

public class StatusRulesTests
{
    private static readonly RouteStage Stage = new(2, "Module assembly",
    [
        new QcCheck("2.1.1", "", "Fitment", "", null),
        new QcCheck("2.1.2", "", "Rivets", "", null),
    ]);

    private static readonly ProcessRoute Route = new("test",
    [
        new RouteStage(1, "Cell sorting", [new QcCheck("1.1.1", "", "Voltage", "", null)]),
        Stage,
        new RouteStage(3, "Ready for Dispatch", [new QcCheck("3.1.1", "", "Visual", "", null)]),
    ]);

    private static StageFacts Facts(DateTime? completed = null, params CheckEntry[] entries) => new(2, entries, completed, entries.Length > 0);

    [Fact]
    public void A_stage_without_a_record_is_not_started() =>
        Assert.Equal(StageStatus.NotStarted, StatusRules.StageStatusOf(Stage, null));

    [Fact]
    public void A_stage_with_only_module_x_is_in_progress() =>
        Assert.Equal(StageStatus.InProgress, StatusRules.StageStatusOf(Stage, Facts(null, new CheckEntry("2.1.1", QcResult.Ok, QcResult.Empty))));

    [Fact]
    public void A_stage_with_both_modules_on_every_check_is_ready_to_complete_and_NA_counts() =>
        Assert.Equal(StageStatus.ReadyToComplete, StatusRules.StageStatusOf(Stage, Facts(null,
            new CheckEntry("2.1.1", QcResult.Ok, QcResult.NotApplicable),
            new CheckEntry("2.1.2", QcResult.NotApplicable, QcResult.Ok))));

    [Fact]
    public void A_completed_stage_is_QC_OK() =>
        Assert.Equal(StageStatus.Completed, StatusRules.StageStatusOf(Stage, Facts(DateTime.UtcNow,
            new CheckEntry("2.1.1", QcResult.Ok, QcResult.Ok),
            new CheckEntry("2.1.2", QcResult.Ok, QcResult.Ok))));

    [Theory]
    [InlineData(QcResult.NotOk, QcResult.Ok)]
    [InlineData(QcResult.Ok, QcResult.NotOk)]
    [InlineData(QcResult.NotOk, QcResult.Empty)]
    public void One_NOT_OK_makes_the_stage_QC_NOT_OK_even_when_everything_else_is_OK_or_it_was_completed(QcResult x, QcResult y)
    {
        var entries = new[] { new CheckEntry("2.1.1", x, y), new CheckEntry("2.1.2", QcResult.Ok, QcResult.Ok) };

        Assert.Equal(StageStatus.QcNotOk, StatusRules.StageStatusOf(Stage, Facts(null, entries)));
        Assert.Equal(StageStatus.QcNotOk, StatusRules.StageStatusOf(Stage, Facts(DateTime.UtcNow, entries)));
    }

    [Fact]
    public void Missing_checks_are_listed_per_module()
    {
        var entries = new[] { new CheckEntry("2.1.1", QcResult.Ok, QcResult.Empty) };

        Assert.Equal(["2.1.2"], StatusRules.MissingChecks(Stage, entries, Module.X));
        Assert.Equal(["2.1.1", "2.1.2"], StatusRules.MissingChecks(Stage, entries, Module.Y));
    }

    [Fact]
    public void Pack_status_follows_its_stages()
    {
        Assert.Equal(PackStatus.NotStarted, StatusRules.PackStatusOf(Route, new Dictionary<int, StageStatus>()));
        Assert.Equal(PackStatus.InProcess, StatusRules.PackStatusOf(Route, new Dictionary<int, StageStatus> { [1] = StageStatus.Completed, [2] = StageStatus.InProgress }));
        Assert.Equal(PackStatus.QcIssues, StatusRules.PackStatusOf(Route, new Dictionary<int, StageStatus> { [1] = StageStatus.Completed, [2] = StageStatus.QcNotOk }));
        Assert.Equal(PackStatus.ReadyForDispatch, StatusRules.PackStatusOf(Route, new Dictionary<int, StageStatus> { [1] = StageStatus.Completed, [2] = StageStatus.Completed, [3] = StageStatus.Completed }));
        Assert.Equal(PackStatus.InProcess, StatusRules.PackStatusOf(Route, new Dictionary<int, StageStatus> { [1] = StageStatus.Completed, [2] = StageStatus.Completed, [3] = StageStatus.ReadyToComplete }));
    }

    [Fact]
    public void The_current_stage_is_the_first_not_completed()
    {
        Assert.Equal(1, StatusRules.CurrentStageOf(Route, new Dictionary<int, StageStatus>()));
        Assert.Equal(2, StatusRules.CurrentStageOf(Route, new Dictionary<int, StageStatus> { [1] = StageStatus.Completed, [2] = StageStatus.QcNotOk }));
        Assert.Equal(3, StatusRules.CurrentStageOf(Route, new Dictionary<int, StageStatus> { [1] = StageStatus.Completed, [2] = StageStatus.Completed, [3] = StageStatus.Completed }));
    }

    [Fact]
    public void A_NOT_OK_blocks_later_stages_and_names_the_stage_and_check()
    {
        var entries = new Dictionary<int, IReadOnlyCollection<CheckEntry>>
        {
            [1] = [new CheckEntry("1.1.1", QcResult.Ok, QcResult.Ok)],
            [2] = [new CheckEntry("2.1.1", QcResult.Ok, QcResult.Ok), new CheckEntry("2.1.2", QcResult.Ok, QcResult.NotOk)],
        };

        Assert.Null(StatusRules.BlockerFor(Route, 2, entries));
        var blocker = StatusRules.BlockerFor(Route, 3, entries);
        Assert.Equal(new Blocker(2, "Module assembly", "2.1.2", Module.Y), blocker);
        Assert.Contains("2.1.2", blocker!.Describe());
    }

    [Theory]
    [InlineData("OK", QcResult.Ok)]
    [InlineData("not ok", QcResult.NotOk)]
    [InlineData("NOT_OK", QcResult.NotOk)]
    [InlineData("N/A", QcResult.NotApplicable)]
    [InlineData("", QcResult.Empty)]
    [InlineData(null, QcResult.Empty)]
    public void Result_words_are_read_leniently(string? text, QcResult expected)
    {
        Assert.True(QcResultText.TryParse(text, out var result));
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Unknown_result_words_are_refused() => Assert.False(QcResultText.TryParse("PASS", out _));

    [Theory]
    [InlineData("QC NOT OK", StageStatus.QcNotOk)]
    [InlineData("Completed", StageStatus.Completed)]
    [InlineData("Completed (QC OK)", StageStatus.Completed)]
    [InlineData("readytocomplete", StageStatus.ReadyToComplete)]
    public void Status_words_are_read_back(string text, StageStatus expected)
    {
        Assert.True(StatusText.TryParseStage(text, out var status));
        Assert.Equal(expected, status);
    }
}
