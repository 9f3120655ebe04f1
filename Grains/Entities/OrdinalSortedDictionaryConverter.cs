using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Concord.Grains.Entities;

/// <summary>
/// Reads string-keyed sorted dictionaries back with the ordinal comparer, whatever the process's culture: a state
/// restored from a snapshot must iterate in the same order as one folded from the log, in every region.
/// </summary>
internal sealed class OrdinalSortedDictionaryConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType
        && typeToConvert.GetGenericTypeDefinition() == typeof(ImmutableSortedDictionary<,>)
        && typeToConvert.GetGenericArguments()[0] == typeof(string);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

    private sealed class Converter<TValue> : JsonConverter<ImmutableSortedDictionary<string, TValue>>
    {
        public override ImmutableSortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var entries = JsonSerializer.Deserialize<Dictionary<string, TValue>>(ref reader, options) ?? [];
            return entries.ToImmutableSortedDictionary(StringComparer.Ordinal);
        }

        public override void Write(Utf8JsonWriter writer, ImmutableSortedDictionary<string, TValue> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, item) in value)
            {
                writer.WritePropertyName(key);
                JsonSerializer.Serialize(writer, item, options);
            }

            writer.WriteEndObject();
        }
    }
}
