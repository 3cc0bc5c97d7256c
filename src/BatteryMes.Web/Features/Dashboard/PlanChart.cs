using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>The Plan vs Actual figure: daily actual as bars and daily target as a line, with both running totals
/// on the right-hand axis. Large fonts: it is read from across the shop floor.</summary>
public static class PlanChart
{
    /// <summary>Replaces the traces in place: the chart keeps its list, and React() redraws it.</summary>
    public static void Fill(IList<ITrace> data, PlanVsActual plan)
    {
        var days = plan.Days.Select(d => (object)d.Day.ToString("yyyy-MM-dd")).ToList();
        data.Clear();
        foreach (var trace in new ITrace[]
        {
            new Bar { Name = "Actual (packs)", X = days, Y = plan.Days.Select(d => (object)d.Actual).ToList(),
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = "#2e7d32" } },
            new Scatter { Name = "Target (packs)", X = days, Y = plan.Days.Select(d => (object)d.Target).ToList(),
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = "#1565c0", Dash = "dash" } },
            new Scatter { Name = "Cumulative actual", X = days, Y = plan.Days.Select(d => (object)d.CumulativeActual).ToList(), YAxis = "y2",
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines, Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = "#ef6c00", Width = 3 } },
            new Scatter { Name = "Cumulative target", X = days, Y = plan.Days.Select(d => (object)d.CumulativeTarget).ToList(), YAxis = "y2",
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines, Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = "#6a1b9a", Dash = "dot", Width = 3 } },
        })
        {
            data.Add(trace);
        }
    }

    public static Layout Layout() => new()
    {
        Height = 360,
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 50, R = 60, T = 20, B = 50 },
        Font = new Plotly.Blazor.LayoutLib.Font { Size = 14 },
        Legend = [new Plotly.Blazor.LayoutLib.Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.2m }],
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category }],
        YAxis =
        [
            new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "Packs per day" }, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero },
            new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "Cumulative" }, Overlaying = "y", Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero },
        ],
    };
}
