using BatteryMes.Web.Domain;

namespace BatteryMes.Tests.Identity;

/// <summary>Which role grants which capability: the one table the API, the pages and the services all ask.</summary>
public class RoleRulesTests
{
    public static TheoryData<Capability, Role[]> Grants => new()
    {
        { Capability.View, [Role.Operator, Role.QcInspector, Role.Supervisor, Role.Admin] },
        { Capability.RecordResults, [Role.Operator, Role.QcInspector, Role.Supervisor] },
        { Capability.SignOff, [Role.QcInspector, Role.Supervisor] },
        { Capability.Supervise, [Role.Supervisor] },
        { Capability.PrintLabels, [Role.Supervisor, Role.Admin] },
        { Capability.Administer, [Role.Admin] },
    };

    [Theory]
    [MemberData(nameof(Grants))]
    public void Each_capability_is_granted_by_exactly_its_roles_and_by_no_other(Capability capability, Role[] granting)
    {
        Assert.Equal(granting, RoleRules.RolesFor(capability));
        foreach (var role in Enum.GetValues<Role>())
            Assert.True(RoleRules.Allows([role], capability) == granting.Contains(role), $"{role} and {capability}");
        Assert.False(RoleRules.Allows([], capability));
        // Holding a granting role among others is enough.
        Assert.True(RoleRules.Allows([.. Enum.GetValues<Role>().Except(granting), granting[^1]], capability));
    }

    [Fact]
    public void Every_capability_has_a_rule()
    {
        Assert.Equal(Enum.GetValues<Capability>().Order(), Grants.Select(row => (Capability)row[0]).Order());
    }

    [Theory]
    [InlineData(Capability.View, "Operator or QC inspector or Supervisor or Admin")]
    [InlineData(Capability.RecordResults, "Operator or QC inspector or Supervisor")]
    [InlineData(Capability.SignOff, "QC inspector or Supervisor")]
    [InlineData(Capability.Supervise, "Supervisor")]
    [InlineData(Capability.PrintLabels, "Supervisor or Admin")]
    [InlineData(Capability.Administer, "Admin")]
    public void Describe_names_the_roles_in_the_plants_words(Capability capability, string expected)
    {
        Assert.Equal(expected, RoleRules.Describe(capability));
    }

    [Theory]
    [InlineData("Operator", Role.Operator)]
    [InlineData("operator", Role.Operator)]
    [InlineData("QcInspector", Role.QcInspector)]
    [InlineData("QC inspector", Role.QcInspector)]
    [InlineData("inspector", Role.QcInspector)]
    [InlineData("qc", Role.QcInspector)]
    [InlineData(" SUPERVISOR ", Role.Supervisor)]
    [InlineData("admin", Role.Admin)]
    [InlineData("Administrator", Role.Admin)]
    public void TryParse_reads_the_stored_and_the_typed_forms(string text, Role expected)
    {
        Assert.True(RoleRules.TryParse(text, out var role));
        Assert.Equal(expected, role);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("boss")]
    [InlineData("Operator2QC")]
    public void TryParse_refuses_anything_else(string? text)
    {
        Assert.False(RoleRules.TryParse(text, out _));
    }

    [Fact]
    public void Roles_are_stored_once_each_in_a_fixed_order_and_load_back_as_they_were()
    {
        Assert.Equal("Operator,Admin", RoleRules.Store([Role.Admin, Role.Operator, Role.Operator]));
        Assert.Equal([Role.Operator, Role.QcInspector, Role.Admin], RoleRules.Load("Admin, operator,QC inspector,bogus,Admin"));
        Assert.Empty(RoleRules.Load(null));
        Assert.Empty(RoleRules.Load(""));
        var all = Enum.GetValues<Role>();
        // Every combination of roles survives a round trip through the database text.
        for (var mask = 0; mask < 1 << all.Length; mask++)
        {
            var roles = all.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            Assert.Equal(roles, RoleRules.Load(RoleRules.Store(roles.Reverse())));
        }
    }
}
