using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// A counter that any region may raise or lower: increments and decrements are kept per origin region, so
/// concurrent changes add up in any order. <see cref="Add(Dot, long)"/> also remembers the dots it applied and
/// ignores a duplicate. Immutable; every change returns the new counter.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.pn-counter")]
public sealed class PNCounter
{
    public static PNCounter Empty { get; } = new(
        ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal),
        VersionVector.Empty);

    public PNCounter(ImmutableSortedDictionary<string, long> increments, ImmutableSortedDictionary<string, long> decrements, VersionVector seen)
    {
        Increments = increments;
        Decrements = decrements;
        Seen = seen;
    }

    /// <summary>Per origin, the sum of its increments.</summary>
    [Id(0)]
    public ImmutableSortedDictionary<string, long> Increments { get; }

    /// <summary>Per origin, the sum of its decrements (as a positive number).</summary>
    [Id(1)]
    public ImmutableSortedDictionary<string, long> Decrements { get; }

    /// <summary>Per origin, the highest dot applied through <see cref="Add(Dot, long)"/>.</summary>
    [Id(2)]
    public VersionVector Seen { get; }

    [System.Text.Json.Serialization.JsonIgnore]
    public long Value => Increments.Values.Sum() - Decrements.Values.Sum();

    /// <summary>Applies the change event <paramref name="dot"/> made; a dot already applied changes nothing.</summary>
    public PNCounter Add(Dot dot, long delta) =>
        dot.Seq <= Seen[dot.Origin] ? this : Change(dot.Origin, delta, Seen.With(dot.Origin, dot.Seq));

    /// <summary>Adds <paramref name="delta"/> (either sign) on behalf of <paramref name="origin"/>, exactly as often as it is called.</summary>
    public PNCounter Add(string origin, long delta)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        return Change(origin, delta, Seen);
    }

    /// <summary>The least counter that includes both (state-based merge: the larger sum per origin and side).</summary>
    public PNCounter Merge(PNCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Max(Increments, other.Increments), Max(Decrements, other.Decrements), Seen.Merge(other.Seen));
    }

    private PNCounter Change(string origin, long delta, VersionVector seen) => delta switch
    {
        > 0 => new(Increments.SetItem(origin, checked(Increments.GetValueOrDefault(origin) + delta)), Decrements, seen),
        < 0 => new(Increments, Decrements.SetItem(origin, checked(Decrements.GetValueOrDefault(origin) - delta)), seen),
        _ => new(Increments, Decrements, seen),
    };

    private static ImmutableSortedDictionary<string, long> Max(ImmutableSortedDictionary<string, long> a, ImmutableSortedDictionary<string, long> b)
    {
        var result = a;
        foreach (var (origin, value) in b)
        {
            if (value > result.GetValueOrDefault(origin))
            {
                result = result.SetItem(origin, value);
            }
        }

        return result;
    }
}
