using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Concord.Grains.Interfaces.Canonical;

/// <summary>
/// The canonical JSON form of a value (after RFC 8785, the JSON Canonicalization Scheme): no white space,
/// object members sorted by the UTF-16 code units of their names, strings escaped minimally, numbers in their
/// shortest round-trip form. Two equal JSON values always give the same text, whatever wrote them.
/// </summary>
public static class CanonicalJson
{
    /// <summary>Rewrites any JSON text in its canonical form.</summary>
    public static string Canonicalize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return Write(document.RootElement);
    }

    /// <summary>The canonical text of a parsed value.</summary>
    public static string Write(JsonElement element)
    {
        var builder = new StringBuilder();
        Append(builder, element);
        return builder.ToString();
    }

    /// <summary>The canonical text of a node tree (null stands for JSON <c>null</c>).</summary>
    public static string Write(JsonNode? node) =>
        Canonicalize(node?.ToJsonString() ?? "null");

    private static void Append(StringBuilder builder, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                var first = true;
                foreach (var (name, value, _) in SortedMembers(element))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    AppendString(builder, name);
                    builder.Append(':');
                    Append(builder, value);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index++ > 0)
                    {
                        builder.Append(',');
                    }

                    Append(builder, item);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(builder, element.GetString()!);
                break;
            case JsonValueKind.Number when element.TryGetInt64(out var integer):
                Span<char> digits = stackalloc char[20];
                integer.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
                builder.Append(digits[..written]);
                break;
            case JsonValueKind.Number:
                builder.Append(FormatNumber(element));
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    /// <summary>
    /// An object's members sorted by the UTF-16 code units of their names; members of equal name (JSON allows them) keep
    /// the order they were written in. Each name is read once.
    /// </summary>
    private static List<(string Name, JsonElement Value, int Index)> SortedMembers(JsonElement element)
    {
        var members = new List<(string Name, JsonElement Value, int Index)>();
        foreach (var property in element.EnumerateObject())
        {
            members.Add((property.Name, property.Value, members.Count));
        }

        members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : a.Index.CompareTo(b.Index));
        return members;
    }

    /// <summary>A number that is not a 64-bit integer (those are written as their digits).</summary>
    private static string FormatNumber(JsonElement element)
    {
        var value = element.GetDouble();
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new CanonicalFormatException($"The number {element.GetRawText()} has no canonical JSON form.");
        }

        if (value == 0)
        {
            return "0";
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e21)
        {
            return value.ToString("F0", CultureInfo.InvariantCulture);
        }

        // Shortest round-trip digits; the exponent as ECMAScript writes it (e+21, e-7).
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return string.Concat(text.AsSpan(0, e), "e", exponent >= 0 ? "+" : "-", Math.Abs(exponent).ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        if (!NeedsEscaping(value))
        {
            builder.Append(value).Append('"');
            return;
        }

        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    private static bool NeedsEscaping(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 || c == '"' || c == '\\')
            {
                return true;
            }
        }

        return false;
    }
}
