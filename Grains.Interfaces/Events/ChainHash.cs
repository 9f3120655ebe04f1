using System.Buffers.Binary;

namespace Concord.Grains.Interfaces.Events;

/// <summary>A SHA-256 value, stored as four words so that it compares and copies by value.</summary>
[GenerateSerializer, Immutable, Alias("concord.chain-hash")]
public readonly record struct ChainHash(
    [property: Id(0)] ulong W0,
    [property: Id(1)] ulong W1,
    [property: Id(2)] ulong W2,
    [property: Id(3)] ulong W3)
{
    public const int Length = 32;

    /// <summary>The <c>PrevHash</c> of the first event of every (entity, origin) chain.</summary>
    public static ChainHash Genesis => default;

    public static ChainHash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A chain hash is {Length} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new ChainHash(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, W0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], W1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], W2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], W3);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Combines hashes order-independently (used for set digests).</summary>
    public static ChainHash operator ^(ChainHash a, ChainHash b) => new(a.W0 ^ b.W0, a.W1 ^ b.W1, a.W2 ^ b.W2, a.W3 ^ b.W3);

    public static ChainHash Parse(string hex) => FromBytes(Convert.FromHexString(hex));

    public override string ToString() => Convert.ToHexStringLower(ToBytes());
}
