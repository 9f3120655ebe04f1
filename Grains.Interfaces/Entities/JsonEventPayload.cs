using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities;

/// <summary>
/// A payload of a registered (user-defined) kind as it is logged, hashed and replicated: the kind, the schema
/// version it was written with, and its value as canonical JSON. Encoded as <c>i32 schemaVersion, str json</c>
/// inside the event's payload bytes. Regions that do not know the kind can hold and forward it but never apply it.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.entities.json-payload")]
public sealed record JsonEventPayload(
    [property: Id(0)] string KindName,
    [property: Id(1)] int SchemaVersion,
    [property: Id(2)] string CanonicalJson) : EventPayload
{
    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteInt32(SchemaVersion);
        writer.WriteString(CanonicalJson);
    }

    public static JsonEventPayload ReadCanonical(string kind, CanonicalReader reader)
    {
        var version = reader.ReadInt32();
        if (version < 1)
        {
            throw new CanonicalFormatException($"Payload kind '{kind}' has schema version {version}; versions start at 1.");
        }

        return new JsonEventPayload(kind, version, reader.ReadString());
    }
}
