using System.Security.Cryptography;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Canonical;

/// <summary>
/// The canonical encoding of an event (format version 1) and the hash chain over it.
/// <para>
/// Body: <c>u8 version, str entity, str origin, i64 seq, str requestId, i64 hlcMs, i32 hlcCounter,
/// i32 depCount, (str origin, i64 seq)* sorted by origin, str payloadKind, bytes payload, hash prevHash</c>.
/// <c>Hash = SHA-256(body)</c>. The stored form is the body followed by the 32-byte hash.
/// </para>
/// </summary>
public static class EventCodec
{
    public const byte FormatVersion = 1;

    /// <summary>Builds an envelope and computes its hash, chaining it to <paramref name="prevHash"/>.</summary>
    public static EventEnvelope Seal(EventId id, string requestId, HlcTimestamp hlc, VersionVector deps, EventPayload payload, ChainHash prevHash)
    {
        if (!string.Equals(hlc.Origin, id.Origin, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The HLC origin '{hlc.Origin}' differs from the event origin '{id.Origin}'.", nameof(hlc));
        }

        var unsealed = new EventEnvelope(id, requestId, hlc, deps, payload, prevHash, default);
        var writer = new CanonicalWriter();
        WriteBody(writer, unsealed);
        return unsealed with { Hash = HashOf(writer.WrittenSpan) };
    }

    /// <summary>The hash an envelope should carry, recomputed from its fields.</summary>
    public static ChainHash ComputeHash(EventEnvelope envelope)
    {
        var writer = new CanonicalWriter();
        WriteBody(writer, envelope);
        return HashOf(writer.WrittenSpan);
    }

    public static bool HasValidHash(EventEnvelope envelope) => ComputeHash(envelope) == envelope.Hash;

    /// <summary>True when a stored form's trailing hash is the SHA-256 of the body before it: the bytes are what was sealed.</summary>
    public static bool StoredHashIsValid(ReadOnlySpan<byte> stored) =>
        stored.Length > ChainHash.Length && HashOf(stored[..^ChainHash.Length]) == ChainHash.FromBytes(stored[^ChainHash.Length..]);

    /// <summary>The stored form: canonical body followed by the stored hash.</summary>
    public static byte[] Encode(EventEnvelope envelope)
    {
        var writer = new CanonicalWriter();
        WriteBody(writer, envelope);
        writer.WriteHash(envelope.Hash);
        return writer.ToArray();
    }

    /// <summary>Reads the stored form back. The hash is returned as stored; use <see cref="HasValidHash"/> to check it.</summary>
    public static EventEnvelope Decode(ReadOnlyMemory<byte> encoded)
    {
        var reader = new CanonicalReader(encoded);
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new CanonicalFormatException($"Unknown event format version {version}.");
        }

        var entity = reader.ReadString();
        var origin = reader.ReadString();
        var seq = reader.ReadInt64();
        var requestId = reader.ReadString();
        var hlc = new HlcTimestamp(reader.ReadInt64(), reader.ReadInt32(), origin);
        var depCount = reader.ReadInt32();
        if (depCount < 0 || depCount > reader.Remaining / 12)
        {
            throw new CanonicalFormatException($"Implausible dependency count {depCount}.");
        }

        var deps = new KeyValuePair<string, long>[depCount];
        for (var i = 0; i < depCount; i++)
        {
            deps[i] = new(reader.ReadString(), reader.ReadInt64());
            if (i > 0 && string.CompareOrdinal(deps[i - 1].Key, deps[i].Key) >= 0)
            {
                throw new CanonicalFormatException("Dependencies are not strictly sorted by origin.");
            }

            if (deps[i].Value <= 0)
            {
                throw new CanonicalFormatException($"Dependency on origin '{deps[i].Key}' has non-positive seq {deps[i].Value}.");
            }
        }

        var kind = reader.ReadString();
        var payload = PayloadKinds.Read(kind, new CanonicalReader(reader.ReadBytes()));
        var prevHash = reader.ReadHash();
        var hash = reader.ReadHash();
        reader.ExpectEnd();
        return new EventEnvelope(new EventId(entity, origin, seq), requestId, hlc, VersionVector.From(deps), payload, prevHash, hash);
    }

    private static void WriteBody(CanonicalWriter writer, EventEnvelope envelope)
    {
        writer.WriteByte(FormatVersion);
        writer.WriteString(envelope.Id.EntityId);
        writer.WriteString(envelope.Id.Origin);
        writer.WriteInt64(envelope.Id.Seq);
        writer.WriteString(envelope.RequestId);
        writer.WriteInt64(envelope.Hlc.PhysicalMs);
        writer.WriteInt32(envelope.Hlc.Counter);
        var deps = envelope.Deps.Entries;
        writer.WriteInt32(deps.Length);
        foreach (var dep in deps)
        {
            writer.WriteString(dep.Origin);
            writer.WriteInt64(dep.Seq);
        }

        writer.WriteString(envelope.Payload.Kind);
        var payload = new CanonicalWriter(64);
        envelope.Payload.WriteCanonical(payload);
        writer.WriteBytes(payload.WrittenSpan);
        writer.WriteHash(envelope.PrevHash);
    }

    private static ChainHash HashOf(ReadOnlySpan<byte> body)
    {
        Span<byte> digest = stackalloc byte[ChainHash.Length];
        SHA256.HashData(body, digest);
        return ChainHash.FromBytes(digest);
    }
}
