using System.Globalization;

namespace Concord.Bench.Harness;

/// <summary>Number formatting for tables: invariant culture, few significant digits.</summary>
public static class Format
{
    public static string Cell(object value) => value switch
    {
        double d => Number(d),
        float f => Number(f),
        long or int => string.Format(CultureInfo.InvariantCulture, "{0:N0}", value),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    public static string Number(double value) => double.IsNaN(value) ? "n/a"
        : Math.Abs(value) >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 100 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.00", CultureInfo.InvariantCulture)
        : value.ToString("0.000", CultureInfo.InvariantCulture);

    public static string Ratio(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    public static string Percent(double value) => double.IsNaN(value) ? "n/a" : (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
