using System.Globalization;
using System.Text.Json;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Client.Cli;

/// <summary>Reads a batch transfer file: a JSON array of <c>{"from": "...", "to": "...", "amount": "12.50"}</c>.</summary>
internal static class BatchFile
{
    public static List<TransferLeg> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException("file", $"Cannot read '{path}': {ex.Message}");
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidRequestException("file", $"'{path}' must hold a JSON array of legs.");
            }

            var legs = new List<TransferLeg>();
            foreach (var (leg, index) in json.RootElement.EnumerateArray().Select((l, i) => (l, i)))
            {
                legs.Add(new TransferLeg(Text(leg, "from", index), Text(leg, "to", index), Amount(leg, index)));
            }

            return legs;
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException("file", $"'{path}' is not valid JSON: {ex.Message}");
        }
    }

    private static string Text(JsonElement leg, string name, int index) =>
        leg.ValueKind == JsonValueKind.Object && leg.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidRequestException("file", $"Leg {index + 1} needs a string \"{name}\".");

    private static decimal Amount(JsonElement leg, int index)
    {
        if (leg.TryGetProperty("amount", out var value))
        {
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
            if (text is not null && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return Money.ToDecimal(Money.ToMinorUnits(amount));
            }
        }

        throw new InvalidRequestException("file", $"Leg {index + 1} needs an \"amount\" such as \"12.50\".");
    }
}
