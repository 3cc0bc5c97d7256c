using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>First-pass yield per stage as horizontal bars (percent): the stage names stand in full on the left and the
/// figures read left to right at the bar's end, even on a tablet. Colours follow <see cref="StatusColours.YieldBands"/>,
/// which the panel lists as the legend.</summary>
public static class YieldChart
{
    /// <summary>Replaces the traces in place: the chart keeps its list, and React() redraws it.</summary>
    public static void Fill(IList<ITrace> data, QualityFigures quality)
    {
        // Plotly draws the first category at the bottom: reversed, stage 1 stands at the top as in every other list.
        var stages = quality.Stages.Reverse().ToList();
        data.Clear();
        data.Add(new Bar
        {
            Name = "First-pass yield",
            Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
            Y = stages.Select(s => (object)Label(s)).ToList(),
            X = stages.Select(s => (object)Math.Round((s.Yield ?? 0) * 100, 1)).ToList(),
            TextArray = stages.Select(s => s.Yield is { } y ? $"{y * 100:0.#} % of {s.Finished}" : "none yet").ToList(),
            TextPosition = Plotly.Blazor.Traces.BarLib.TextPositionEnum.Outside,
            TextAngle = 0,
            Marker = new Plotly.Blazor.Traces.BarLib.Marker
            {
                ColorArray = stages.Select(s => (object)StatusColours.YieldColour(s.Yield)).ToList(),
            },
        });
    }

    public static string Label(StageYield stage) => $"{stage.StageNumber}. {stage.StageName}";

    public static Layout Layout() => new()
    {
        Height = 340,
        // Left margin for the longest stage name at 14 px; the right one leaves room for "100 % of 1234" beyond a full bar.
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 190, R = 20, T = 10, B = 50 },
        Font = new Plotly.Blazor.LayoutLib.Font { Size = 14 },
        ShowLegend = false,
        YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Type = Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Category }],
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "First-pass yield (%)" }, Range = [0, 135] }],
    };
}
