using BatteryMes.Tests.Infrastructure;
using BatteryMes.Web.Domain;

namespace BatteryMes.Tests.Domain;

public class RouteFileTests
{
    [Fact]
    public void The_default_route_has_the_plants_eight_stages_in_line_order()
    {
        var route = RouteFile.Load(TestServices.RoutePath);

        Assert.Equal(
            ["Cell sorting", "Module assembly", "Pre Encapsulation", "Wire Bonding", "Post Encapsulation", "EOL Testing", "Pack assembly", "Ready for Dispatch"],
            route.Stages.Select(s => s.Name));
        Assert.Equal(Enumerable.Range(1, 8), route.Stages.Select(s => s.Number));
        Assert.Equal(17, route.GetStage(2).Checks.Count);
        Assert.Equal(22, route.GetStage(7).Checks.Count);
        Assert.InRange(route.AllChecks.Count(), 55, 70);
    }

    [Fact]
    public void Measurable_checks_carry_their_limits_and_unit()
    {
        var route = RouteFile.Load(TestServices.RoutePath);

        var voltage = route.FindCheck("1.1.1")!;
        Assert.Equal(new MeasurementLimits(3.58, 3.60, "V"), voltage.Limits);
        Assert.Equal(QcResult.Ok, voltage.Limits!.Judge(3.59));
        Assert.Equal(QcResult.NotOk, voltage.Limits.Judge(3.61));
        Assert.Equal(QcResult.Ok, voltage.Limits.Judge(3.60));
        var isolation = route.FindCheck("8.7.2")!;
        Assert.Null(isolation.Limits!.Max);
        Assert.Equal(QcResult.NotOk, isolation.Limits.Judge(9.99));
        Assert.Equal(7, route.StageOfCheck("8.7.2")!.Number);
    }

    [Fact]
    public void A_new_stage_or_check_in_the_file_needs_no_code_change()
    {
        const string json = """
            { "stages": [
              { "number": 1, "name": "Cell sorting", "checks": [ { "code": "1.1.1", "description": "Voltage", "min": 3.5, "max": 3.7, "unit": "V" } ] },
              { "number": 2, "name": "Laser welding", "checks": [ { "code": "2.1.1", "description": "Weld seam" }, { "code": "2.1.2", "description": "Pull test" } ] }
            ] }
            """;

        var route = RouteFile.Parse(json, "custom.json");

        Assert.Equal(2, route.StageCount);
        Assert.Equal("Laser welding", route.LastStage.Name);
        Assert.Equal(["2.1.1", "2.1.2"], route.GetStage(2).Checks.Select(c => c.Code));
    }

    [Fact]
    public void Malformed_json_is_reported_with_the_file_and_line()
    {
        var ex = Assert.Throws<RouteFileException>(() => RouteFile.Parse("{ \"stages\": [\n  { \"number\": 1, \"name\": \"A\",, } ] }", "plant-route.json"));

        Assert.Contains("plant-route.json", ex.Message);
        Assert.Contains("line 2", ex.Message);
    }

    [Theory]
    [InlineData("""{ "stages": [] }""", "has no stages")]
    [InlineData("""{ "stages": [ { "number": 2, "name": "A", "checks": [ { "code": "1.1", "description": "x" } ] } ] }""", "stages[0] has number 2")]
    [InlineData("""{ "stages": [ { "number": 1, "name": "A", "checks": [ { "code": "1.1", "description": "x" }, { "code": "1.1", "description": "y" } ] } ] }""", "stages[0].checks[1] repeats check code 1.1")]
    [InlineData("""{ "stages": [ { "number": 1, "name": "A", "checks": [ { "code": "A-1", "description": "x" } ] } ] }""", "has code 'A-1'")]
    [InlineData("""{ "stages": [ { "number": 1, "name": "A", "checks": [ { "code": "1.1", "description": "x", "min": 5, "max": 1 } ] } ] }""", "min 5 above max 1")]
    [InlineData("""{ "stages": [ { "number": 1, "name": "A", "checks": [] } ] }""", "('A') has no checks")]
    [InlineData("""{ "stages": [ { "number": 1, "name": "", "checks": [ { "code": "1.1", "description": "x" } ] } ] }""", "stages[0] has no name")]
    public void A_route_that_breaks_the_rules_names_the_place(string json, string expected)
    {
        var ex = Assert.Throws<RouteFileException>(() => RouteFile.Parse(json, "route.json"));

        Assert.Contains(expected, ex.Message);
        Assert.Contains("route.json", ex.Message);
    }

    [Fact]
    public void A_missing_file_names_the_setting_to_fix()
    {
        var ex = Assert.Throws<RouteFileException>(() => RouteFile.Load("/nonexistent/route.json"));

        Assert.Contains("/nonexistent/route.json", ex.Message);
        Assert.Contains("BatteryMes:Route:File", ex.Message);
    }

    [Fact]
    public void A_check_may_name_the_form_row_that_shows_it_and_the_final_dot_is_optional()
    {
        const string json = """
            { "stages": [ { "number": 1, "name": "Sorting", "checks": [
              { "code": "1.1.1", "description": "Voltage" },
              { "code": "1.1.2", "description": "IR", "formRow": "1.1.1" },
              { "code": "10.1.1", "description": "Foam", "formRow": " 10.1. " },
              { "code": "9.1.1", "description": "Visual", "formRow": "9." } ] } ] }
            """;

        var route = RouteFile.Parse(json, "route.json");

        Assert.Equal([null, "1.1.1", "10.1", "9"], route.AllChecks.Select(c => c.FormRow));
    }

    [Theory]
    [InlineData("\"formRow\": \"row 10\"", "stages[0].checks[1] (check 1.1.2) has formRow 'row 10'; a form row is the code printed at the start of the form's row")]
    [InlineData("\"formRow\": \"\"", "stages[0].checks[1] (check 1.1.2) has formRow ''")]
    [InlineData("\"formRow\": \"10..1\"", "has formRow '10..1'")]
    [InlineData("\"formRow\": \"1.1.2.\"", "has formRow 1.1.2., its own code: leave formRow out")]
    [InlineData("\"formRow\": \"2.1.1\"", "Form row 2.1.1 would carry checks of different stages (2.1.1 of stage 2, 1.1.2 of stage 1)")]
    public void A_wrong_form_row_is_refused_with_the_check_and_the_reason(string formRow, string expected)
    {
        var json = $$"""
            { "stages": [
              { "number": 1, "name": "Sorting", "checks": [ { "code": "1.1.1", "description": "Voltage" }, { "code": "1.1.2", "description": "IR", {{formRow}} } ] },
              { "number": 2, "name": "Assembly", "checks": [ { "code": "2.1.1", "description": "Base plate" } ] } ] }
            """;

        var ex = Assert.Throws<RouteFileException>(() => RouteFile.Parse(json, "route.json"));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Checks_of_two_stages_mapped_to_one_form_row_are_refused_even_when_no_check_owns_the_row()
    {
        const string json = """
            { "stages": [
              { "number": 1, "name": "A", "checks": [ { "code": "1.1.1", "description": "x", "formRow": "9." } ] },
              { "number": 2, "name": "B", "checks": [ { "code": "2.1.1", "description": "y", "formRow": "9" } ] } ] }
            """;

        var ex = Assert.Throws<RouteFileException>(() => RouteFile.Parse(json, "route.json"));

        Assert.Contains("Form row 9 would carry checks of different stages (1.1.1 of stage 1, 2.1.1 of stage 2)", ex.Message);
    }

    [Fact]
    public void The_default_route_maps_the_twelve_checks_the_plants_form_combines_onto_rows_of_their_stage()
    {
        var route = RouteFile.Load(TestServices.RoutePath);

        var mapped = route.AllChecks.Where(c => c.FormRow is not null).ToDictionary(c => c.Code, c => c.FormRow);

        Assert.Equal(12, mapped.Count);
        Assert.Equal("1.1.1", mapped["1.1.2"]);
        Assert.Equal("6.1.1", mapped["6.1.3"]);
        Assert.Equal("7.1.1", mapped["7.1.2"]);
        Assert.Equal("9", mapped["9.1.2"]);
        Assert.Equal("10.4", mapped["10.4.1"]);
    }
}
