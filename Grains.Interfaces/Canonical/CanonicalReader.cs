using System.Buffers.Binary;
using System.Text;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Canonical;

/// <summary>Reads what <see cref="CanonicalWriter"/> wrote; every malformed input ends in <see cref="CanonicalFormatException"/>.</summary>
public sealed class CanonicalReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public CanonicalReader(ReadOnlyMemory<byte> data) => _data = data;

    public int Position => _position;

    public int Remaining => _data.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public string ReadString()
    {
        var length = ReadLength();
        try
        {
            return StrictUtf8.GetString(Take(length));
        }
        catch (DecoderFallbackException ex)
        {
            throw new CanonicalFormatException($"Invalid UTF-8 in a string ending at offset {_position}.", ex);
        }
    }

    public ReadOnlyMemory<byte> ReadBytes() => TakeMemory(ReadLength());

    public ChainHash ReadHash() => ChainHash.FromBytes(Take(ChainHash.Length));

    public ReadOnlySpan<byte> ReadRaw(int length) => Take(length);

    public void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw new CanonicalFormatException($"{Remaining} unexpected trailing byte(s) at offset {_position}.");
        }
    }

    private int ReadLength()
    {
        var length = ReadInt32();
        if (length < 0 || length > Remaining)
        {
            throw new CanonicalFormatException($"Length {length} at offset {_position - 4} exceeds the {Remaining} byte(s) left.");
        }

        return length;
    }

    private ReadOnlySpan<byte> Take(int count) => TakeMemory(count).Span;

    private ReadOnlyMemory<byte> TakeMemory(int count)
    {
        if (count > Remaining)
        {
            throw new CanonicalFormatException($"Needed {count} byte(s) at offset {_position}, but only {Remaining} remain.");
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}

/// <summary>The bytes are not a valid canonical encoding.</summary>
public sealed class CanonicalFormatException(string message, Exception? inner = null) : Exception(message, inner);
