using System.Globalization;
using System.Net;
using System.Text;

namespace Llm.Stack.Server;

/// <summary>
/// Hand-written SVG charts for the dashboard: a time-series line chart and a stacked bar chart, with gridlines, axis
/// labels, a legend and a hover title on every point and bar. Colours come from the page's CSS classes <c>s0</c>…<c>s5</c>.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class SvgChart
{
    private const int Width = 640, Height = 230, Left = 64, Right = 12, Top = 26, Bottom = 30;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>One named series of values, <see langword="null"/> where there is no value.</summary>
    public sealed record Series(string Name, IReadOnlyList<double?> Values, bool Dashed = false);

    /// <summary>A line per series over the x labels; a gap where a value is missing.</summary>
    public static string Lines(string id, string title, IReadOnlyList<string> xLabels, IReadOnlyList<Series> series, Func<double, string> format)
    {
        double max = NiceCeiling(series.SelectMany(s => s.Values).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(0).Max());
        var svg = Begin(id, title, max, format, xLabels);
        double step = PlotWidth / (double)Math.Max(1, xLabels.Count);
        for (int s = 0; s < series.Count; s++)
        {
            var path = new StringBuilder();
            bool drawing = false;
            var points = new StringBuilder();
            for (int i = 0; i < series[s].Values.Count; i++)
            {
                if (series[s].Values[i] is not double v)
                {
                    drawing = false;
                    continue;
                }

                double x = Left + ((i + 0.5) * step), y = Y(v, max);
                path.Append(drawing ? " L" : " M").Append(F(x)).Append(' ').Append(F(y));
                drawing = true;
                points.Append(CultureInfo.InvariantCulture, $"<circle class=\"pt s{s % 6}\" cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"2.5\"><title>{E(series[s].Name)}, {E(xLabels[i])}: {E(format(v))}</title></circle>");
            }

            if (path.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<path class=\"line s{s % 6}{(series[s].Dashed ? " dashed" : "")}\" d=\"{path.ToString().Trim()}\"/>");
            }

            svg.Append(points);
        }

        return End(svg, series.Select(s => s.Name).ToList());
    }

    /// <summary>A bar per x label, its series stacked bottom up.</summary>
    public static string Bars(string id, string title, IReadOnlyList<string> xLabels, IReadOnlyList<Series> series, Func<double, string> format)
    {
        double max = NiceCeiling(Enumerable.Range(0, xLabels.Count).Select(i => series.Sum(s => s.Values[i] ?? 0)).DefaultIfEmpty(0).Max());
        var svg = Begin(id, title, max, format, xLabels);
        double step = PlotWidth / (double)Math.Max(1, xLabels.Count);
        double barWidth = Math.Max(1, step * 0.7);
        for (int i = 0; i < xLabels.Count; i++)
        {
            double stacked = 0;
            for (int s = 0; s < series.Count; s++)
            {
                double v = series[s].Values[i] ?? 0;
                if (v <= 0)
                {
                    continue;
                }

                double yTop = Y(stacked + v, max), yBottom = Y(stacked, max);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect class=\"bar s{s % 6}\" x=\"{F(Left + (i * step) + ((step - barWidth) / 2))}\" y=\"{F(yTop)}\" width=\"{F(barWidth)}\" height=\"{F(Math.Max(0.5, yBottom - yTop))}\"><title>{E(series[s].Name)}, {E(xLabels[i])}: {E(format(v))}</title></rect>");
                stacked += v;
            }
        }

        return End(svg, series.Count > 1 ? series.Select(s => s.Name).ToList() : []);
    }

    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    private static double Y(double value, double max) => Top + PlotHeight - (value / max * PlotHeight);

    private static StringBuilder Begin(string id, string title, double max, Func<double, string> format, IReadOnlyList<string> xLabels)
    {
        var svg = new StringBuilder(4096);
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E(title)}\" xmlns=\"http://www.w3.org/2000/svg\">");
        for (int g = 0; g <= 4; g++)
        {
            double v = max * g / 4, y = Y(v, max);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{E(format(v))}</text>");
        }

        // At most about seven labels along the x axis, evenly spaced.
        int every = Math.Max(1, (int)Math.Ceiling(xLabels.Count / 7.0));
        double step = PlotWidth / (double)Math.Max(1, xLabels.Count);
        for (int i = 0; i < xLabels.Count; i += every)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{F(Left + ((i + 0.5) * step))}\" y=\"{Height - 10}\" text-anchor=\"middle\">{E(xLabels[i])}</text>");
        }

        return svg;
    }

    private static string End(StringBuilder svg, List<string> legend)
    {
        double x = Left + 6;
        for (int s = 0; s < legend.Count; s++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"key s{s % 6}\" x=\"{F(x)}\" y=\"4\" width=\"10\" height=\"10\"/><text class=\"legend\" x=\"{F(x + 14)}\" y=\"13\">{E(legend[s])}</text>");
            x += 24 + (legend[s].Length * 6.5);
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least <paramref name="value"/> (1 for nothing).</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0 || !double.IsFinite(value))
        {
            return 1;
        }

        double power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double m in (ReadOnlySpan<double>)[1, 2, 2.5, 5, 10])
        {
            if (m * power >= value * (1 - 1e-12))
            {
                return m * power;
            }
        }

        return 10 * power;
    }

    private static string F(double value) => value.ToString("0.#", Invariant);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
