using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>First-pass yield per stage as bars (percent), labelled with the figure and how many stages it counts.</summary>
public static class YieldChart
{
    /// <summary>Replaces the traces in place: the chart keeps its list, and React() redraws it.</summary>
    public static void Fill(IList<ITrace> data, QualityFigures quality)
    {
        var stages = quality.Stages;
        data.Clear();
        foreach (var trace in new ITrace[]
        {
            new Bar
            {
                Name = "First-pass yield",
                X = stages.Select(s => (object)$"{s.StageNumber}. {s.StageName}").ToList(),
                Y = stages.Select(s => (object)Math.Round((s.Yield ?? 0) * 100, 1)).ToList(),
                TextArray = stages.Select(s => s.Yield is { } y ? $"{y * 100:0.#} % of {s.Finished}" : "none yet").ToList(),
                Marker = new Plotly.Blazor.Traces.BarLib.Marker
                {
                    ColorArray = stages.Select(s => (object)(s.Yield is null ? "#b0bec5" : s.Yield >= 0.95 ? "#2e7d32" : s.Yield >= 0.85 ? "#f9a825" : "#c62828")).ToList(),
                },
            },
        })
        {
            data.Add(trace);
        }
    }

    public static Layout Layout() => new()
    {
        Height = 320,
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 50, R = 20, T = 20, B = 90 },
        Font = new Plotly.Blazor.LayoutLib.Font { Size = 14 },
        ShowLegend = false,
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category }],
        YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "%" }, Range = [0, 100] }],
    };
}
