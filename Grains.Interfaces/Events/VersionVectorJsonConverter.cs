using System.Text.Json;
using System.Text.Json.Serialization;

namespace Concord.Grains.Interfaces.Events;

/// <summary>Writes a version vector as a JSON object from origin to seq, in origin order: <c>{"eu":3,"us":1}</c>.</summary>
public sealed class VersionVectorJsonConverter : JsonConverter<VersionVector>
{
    public override VersionVector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A version vector is a JSON object from origin to seq.");
        }

        var entries = new List<KeyValuePair<string, long>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var origin = reader.GetString() ?? throw new JsonException("A version vector's origin is a string.");
            reader.Read();
            entries.Add(new(origin, reader.GetInt64()));
        }

        return VersionVector.From(entries);
    }

    public override void Write(Utf8JsonWriter writer, VersionVector value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var entry in value.Entries)
        {
            writer.WriteNumber(entry.Origin, entry.Seq);
        }

        writer.WriteEndObject();
    }
}
