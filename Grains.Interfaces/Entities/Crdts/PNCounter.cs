using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// A counter that any region may raise or lower: increments and decrements are kept per origin region, so
/// concurrent changes add up in any order. Immutable; <see cref="Add"/> returns the new counter.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.pn-counter")]
public sealed class PNCounter
{
    public static PNCounter Empty { get; } = new(ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal), ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal));

    public PNCounter(ImmutableSortedDictionary<string, long> increments, ImmutableSortedDictionary<string, long> decrements)
    {
        Increments = increments;
        Decrements = decrements;
    }

    /// <summary>Per origin, the sum of its increments.</summary>
    [Id(0)]
    public ImmutableSortedDictionary<string, long> Increments { get; }

    /// <summary>Per origin, the sum of its decrements (as a positive number).</summary>
    [Id(1)]
    public ImmutableSortedDictionary<string, long> Decrements { get; }

    public long Value => Increments.Values.Sum() - Decrements.Values.Sum();

    /// <summary>Adds <paramref name="delta"/> (either sign) on behalf of <paramref name="origin"/>.</summary>
    public PNCounter Add(string origin, long delta)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        return delta switch
        {
            > 0 => new(Increments.SetItem(origin, checked(Increments.GetValueOrDefault(origin) + delta)), Decrements),
            < 0 => new(Increments, Decrements.SetItem(origin, checked(Decrements.GetValueOrDefault(origin) - delta))),
            _ => this,
        };
    }

    /// <summary>The least counter that includes both (state-based merge: the larger sum per origin and side).</summary>
    public PNCounter Merge(PNCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Max(Increments, other.Increments), Max(Decrements, other.Decrements));
    }

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
