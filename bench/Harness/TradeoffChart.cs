using System.Globalization;
using System.Text;

namespace Concord.Bench.Harness;

/// <summary>
/// A scatter chart as plain SVG (no native drawing library): each consistency mode a labelled point, outage refusals
/// per 1,000 on x, apologies per 1,000 on y. The same figures always give the same bytes.
/// </summary>
public static class TradeoffChart
{
    private const int Width = 640, Height = 420, Left = 70, Right = 30, Top = 40, Bottom = 60;

    public static string Svg(string title, IReadOnlyList<(string Label, double Refused, double Apologies)> points)
    {
        var maxX = NiceCeiling(points.Max(p => p.Refused));
        var maxY = NiceCeiling(points.Max(p => p.Apologies));
        double X(double v) => Left + (v / maxX * (Width - Left - Right));
        double Y(double v) => Height - Bottom - (v / maxY * (Height - Top - Bottom));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>\n");
        for (var i = 0; i <= 4; i++)
        {
            var xv = maxX * i / 4;
            var yv = maxY * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(xv):0.#}\" y1=\"{Top}\" x2=\"{X(xv):0.#}\" y2=\"{Height - Bottom}\" stroke=\"#e4e4e4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Y(yv):0.#}\" x2=\"{Width - Right}\" y2=\"{Y(yv):0.#}\" stroke=\"#e4e4e4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(xv):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{xv:0.#}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{Y(yv) + 4:0.#}\" text-anchor=\"end\">{yv:0.#}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">refused with funds available somewhere, per 1,000 operations</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18 {(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">apologies per 1,000 operations</text>\n");
        foreach (var (label, refused, apologies) in points)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(refused):0.#}\" cy=\"{Y(apologies):0.#}\" r=\"6\" fill=\"#1f6fb4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(refused) + 10:0.#}\" y=\"{Y(apologies) - 8:0.#}\">{Escape(label)} ({refused:0.#}, {apologies:0.#})</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/> (and at least 1).</summary>
    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(value * 1.1, 1))));
        return new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(c => c >= Math.Max(value * 1.1, 1));
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
