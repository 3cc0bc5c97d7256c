using BatteryMes.Web.Domain;
using BatteryMes.Web.Features.DataEntry;

namespace BatteryMes.Tests.Infrastructure;

/// <summary>Results that pass a check as the route judges it: OK, with an in-limit measured value where the check has
/// limits (a check that requires a value cannot be OK without one).</summary>
public static class TestChecks
{
    /// <summary>A value inside the check's limits (the middle, or next to the one bound it has).</summary>
    public static double? InLimits(QcCheck check) => check.Limits switch
    {
        null => null,
        { Min: { } lo, Max: { } hi } => Math.Round((lo + hi) / 2, 6),
        { Min: { } lo } => lo + 1,
        { Max: { } hi } => hi - Math.Abs(hi) * 0.1,
        _ => null,
    };

    /// <summary>OK for both modules with in-limit values where the check is measurable.</summary>
    public static CheckInput Passing(QcCheck check)
    {
        var value = InLimits(check);
        return new CheckInput(check.Code, QcResult.Ok, QcResult.Ok, value, value);
    }

    /// <summary>Every check of the stage passing.</summary>
    public static List<CheckInput> Passing(RouteStage stage) => stage.Checks.Select(Passing).ToList();

    /// <summary>The route's check with this code passing.</summary>
    public static CheckInput Passing(ProcessRoute route, string code) => Passing(route.FindCheck(code)!);
}
