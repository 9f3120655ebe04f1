using System.Collections.Immutable;
using System.Text;

namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// Per origin region, the highest <c>Seq</c> applied. Immutable; entries are kept sorted by
/// origin (ordinal) so that equal vectors are equal entry by entry and encode identically.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.version-vector")]
[System.Text.Json.Serialization.JsonConverter(typeof(VersionVectorJsonConverter))]
public sealed class VersionVector : IEquatable<VersionVector>
{
    public static VersionVector Empty { get; } = new(ImmutableArray<VersionEntry>.Empty);

    [Id(0)]
    private readonly ImmutableArray<VersionEntry> _entries;

    private VersionVector(ImmutableArray<VersionEntry> entries) => _entries = entries;

    /// <summary>Entries sorted by origin; origins with nothing applied are absent.</summary>
    public ImmutableArray<VersionEntry> Entries => _entries.IsDefault ? ImmutableArray<VersionEntry>.Empty : _entries;

    public static VersionVector From(IEnumerable<KeyValuePair<string, long>> entries)
    {
        var builder = ImmutableArray.CreateBuilder<VersionEntry>();
        foreach (var (origin, seq) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (seq < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(entries), $"Sequence for origin '{origin}' is negative.");
            }

            if (builder.Count > 0 && string.Equals(builder[^1].Origin, origin, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Origin '{origin}' appears twice.", nameof(entries));
            }

            if (seq > 0)
            {
                builder.Add(new VersionEntry(origin, seq));
            }
        }

        return new VersionVector(builder.ToImmutable());
    }

    public long this[string origin]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (string.Equals(entry.Origin, origin, StringComparison.Ordinal))
                {
                    return entry.Seq;
                }
            }

            return 0;
        }
    }

    /// <summary>The least vector covering both: per origin, the higher seq.</summary>
    public VersionVector Merge(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Entries.Aggregate(this, (merged, entry) => merged.With(entry.Origin, entry.Seq));
    }

    /// <summary>Returns a vector with <paramref name="origin"/> raised to <paramref name="seq"/> (never lowered).</summary>
    public VersionVector With(string origin, long seq)
    {
        var entries = Entries;
        for (var i = 0; i < entries.Length; i++)
        {
            var cmp = string.CompareOrdinal(entries[i].Origin, origin);
            if (cmp == 0)
            {
                return seq <= entries[i].Seq ? this : new VersionVector(entries.SetItem(i, new VersionEntry(origin, seq)));
            }

            if (cmp > 0)
            {
                return seq <= 0 ? this : new VersionVector(entries.Insert(i, new VersionEntry(origin, seq)));
            }
        }

        return seq <= 0 ? this : new VersionVector(entries.Add(new VersionEntry(origin, seq)));
    }

    /// <summary>True when every entry of <paramref name="other"/> is covered by this vector.</summary>
    public bool Covers(VersionVector other)
    {
        foreach (var entry in other.Entries)
        {
            if (this[entry.Origin] < entry.Seq)
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(VersionVector? other) =>
        other is not null && Entries.AsSpan().SequenceEqual(other.Entries.AsSpan());

    public override bool Equals(object? obj) => Equals(obj as VersionVector);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var entry in Entries)
        {
            hash.Add(entry);
        }

        return hash.ToHashCode();
    }

    public override string ToString()
    {
        var text = new StringBuilder("{");
        foreach (var entry in Entries)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append(entry.Origin).Append(':').Append(entry.Seq);
        }

        return text.Append('}').ToString();
    }
}

[GenerateSerializer, Immutable, Alias("concord.version-entry")]
public readonly record struct VersionEntry(
    [property: Id(0)] string Origin,
    [property: Id(1)] long Seq);
