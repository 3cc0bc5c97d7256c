using BatteryMes.Web.Data;

namespace BatteryMes.Web.Features.Genealogy;

/// <summary>What is scanned at a stage of the route.</summary>
public enum ScanStep
{
    None,
    /// <summary>Cell sorting: cell IDs into Module X or Module Y.</summary>
    Cells,
    /// <summary>Module assembly: each module's own serial onto X and Y.</summary>
    ModuleSerials,
    /// <summary>Pack assembly: the two modules onto the pack (confirms the modules of module assembly).</summary>
    ModulesOntoPack,
}

/// <summary>The stages of the plant's route at which components are scanned. The route file numbers its stages 1-8;
/// cell sorting is 1, module assembly 2 and pack assembly 7 (route.json).</summary>
public static class ScanSteps
{
    public const int CellSorting = 1;
    public const int ModuleAssembly = 2;
    public const int PackAssembly = 7;

    public static ScanStep At(int stageNumber) => stageNumber switch
    {
        CellSorting => ScanStep.Cells,
        ModuleAssembly => ScanStep.ModuleSerials,
        PackAssembly => ScanStep.ModulesOntoPack,
        _ => ScanStep.None,
    };

    public static ComponentKind KindAt(ScanStep step) => step == ScanStep.Cells ? ComponentKind.Cell : ComponentKind.Module;

    /// <summary>"cell ID" or "module ID": how validation messages name what was scanned.</summary>
    public static string IdName(ComponentKind kind) => kind == ComponentKind.Cell ? "cell ID" : "module ID";

    public static string Title(ComponentKind kind) => kind == ComponentKind.Cell ? "Cell" : "Module";
}
