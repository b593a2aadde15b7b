using ScottPlot;

namespace DemoChart;

/// <summary>
/// The demo's picture: calls per second against seconds since the load started, one stacked band per instance, so each
/// band's height is that instance's share and the top edge is the client's total; the demo's events are dashed lines.
/// Bands rather than lines: instances with equal traffic would draw one line over another.
/// </summary>
internal static class TrafficChart
{
    private const int Width = 1000;
    private const int Height = 480;

    public static void Save(IReadOnlyList<CallBucket> timeline, IReadOnlyList<DemoEvent> events, string path)
    {
        // The first and last seconds of the run are partial: they would draw a dip that is not there.
        var first = timeline.Min(b => b.UnixSeconds) + 1;
        var last = timeline.Max(b => b.UnixSeconds) - 1;
        var seconds = Enumerable.Range(0, (int)Math.Max(0, last - first + 1)).Select(i => first + i).ToArray();
        var xs = seconds.Select(s => (double)(s - first)).ToArray();

        var plot = new Plot();
        plot.XLabel("seconds since the load started");
        plot.YLabel("calls per second, stacked by instance");
        var below = new double[seconds.Length];
        foreach (var instance in timeline.Select(b => b.Instance).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var calls = timeline.Where(b => b.Instance == instance).ToDictionary(b => b.UnixSeconds, b => b.Calls);
            var above = seconds.Select((s, i) => below[i] + calls.GetValueOrDefault(s)).ToArray();
            var band = plot.Add.FillY(xs, above, below);
            band.LegendText = instance;
            band.LineWidth = 0;
            below = above;
        }

        foreach (var e in events)
        {
            var marker = plot.Add.VerticalLine(e.UnixSeconds - first, 1.5f, Colors.Black, LinePattern.Dashed);
            marker.Text = e.Label;
            marker.LabelRotation = -90;
            marker.LabelOppositeAxis = true;
            marker.LabelFontSize = 11;
        }

        // Room above the plot for the events' labels, which are drawn on the top edge.
        plot.Axes.Top.MinimumSize = 120;
        plot.Axes.SetLimitsY(0, below.DefaultIfEmpty(1).Max() * 1.05);
        plot.ShowLegend(Alignment.UpperLeft);
        if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            plot.SavePng(path, Width, Height);
        }
        else
        {
            plot.SaveSvg(path, Width, Height);
        }
    }
}
