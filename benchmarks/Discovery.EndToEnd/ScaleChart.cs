using ScottPlot;

namespace Discovery.EndToEnd;

/// <summary>The chart of cost against instance count, drawn from the scale section's rows (log-log, SVG).</summary>
internal static class ScaleChart
{
    public static void Save(IReadOnlyList<ScaleSection.Row> rows, string path, string png)
    {
        var plot = new Plot();
        var xs = rows.Select(r => Math.Log10(r.Instances)).ToArray();
        Series(plot, xs, rows.Select(r => r.FirstViewMs.Median), "first usable view, ms");
        Series(plot, xs, rows.Select(r => r.RawRangeMs.Median), "raw etcd range read, ms");
        Series(plot, xs, rows.Select(r => r.ChangeBytes.Median / 1024), "one change, view: KiB allocated");
        Series(plot, xs, rows.Select(r => r.ChangeMs.Median), "one change to our view, ms");
        Series(plot, xs, rows.Select(r => r.ChangeRawMs.Median), "one change to a raw watch, ms");
        var withBalancer = rows.Where(r => r.BalancerChangeBytes is not null).ToList();
        if (withBalancer.Count > 0)
        {
            var bx = withBalancer.Select(r => Math.Log10(r.Instances)).ToArray();
            Series(plot, bx, withBalancer.Select(r => r.BalancerChangeBytes!.Median / 1024), "one change through the balancer: KiB allocated");
            Series(plot, bx, withBalancer.Select(r => r.GrpcFullListBytes!.Median / 1024), "grpc-dotnet full list update: KiB allocated");
        }

        Series(plot, xs, rows.Select(r => r.BytesPerInstance / 1024), "memory per instance, KiB");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            xs, [.. rows.Select(r => r.Instances.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))]);
        var decades = Enumerable.Range(-2, 8).Select(e => (double)e).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            decades, [.. decades.Select(d => Math.Pow(10, d).ToString("G", System.Globalization.CultureInfo.InvariantCulture))]);
        plot.XLabel("instances of one service (log)");
        plot.YLabel("cost (log)");
        plot.Title("Discovery: cost against instance count (bench run, one machine)");
        plot.ShowLegend(Alignment.UpperLeft);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        plot.SaveSvg(full, 900, 560);
        if (png.Length > 0)
        {
            plot.SavePng(png, 900, 560);
        }

        Report.Note($"chart: {path}");
    }

    private static void Series(Plot plot, double[] xs, IEnumerable<double> values, string label)
    {
        var ys = values.Select(v => Math.Log10(Math.Max(v, 0.001))).ToArray();
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.LegendText = label;
        scatter.MarkerSize = 6;
    }
}
