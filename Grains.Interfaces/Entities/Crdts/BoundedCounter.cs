using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// A counter that never goes below zero, though every region decides its own decrements without asking anyone: the
/// escrow method (AntidoteDB's bounded counter). Each region holds <em>rights</em>: what it added, plus what others
/// handed it, minus what it took or handed away. A region may decrement or hand away only rights it holds, and only
/// that region's own events spend them, so the rights a region sees of itself are never more than it has: the sum
/// of all rights is the value, and it stays at or above zero in every region, in every causal order. Immutable;
/// events are applied by <see cref="Dot"/> and a duplicate changes nothing. A decrement decided without
/// <see cref="CanSpend"/> (an optimistic debit) is still applied: it leaves its own region's rights negative, a debt
/// no other region's rights carry.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.bounded-counter")]
public sealed class BoundedCounter : IEquatable<BoundedCounter>
{
    private static readonly ImmutableSortedDictionary<string, long> NoCounts = ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal);

    public static BoundedCounter Empty { get; } = new(NoCounts, NoCounts, ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, long>>.Empty.WithComparers(StringComparer.Ordinal), VersionVector.Empty);

    public BoundedCounter(
        ImmutableSortedDictionary<string, long> increments,
        ImmutableSortedDictionary<string, long> decrements,
        ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, long>> transfers,
        VersionVector seen)
    {
        Increments = increments;
        Decrements = decrements;
        Transfers = transfers;
        Seen = seen;
    }

    /// <summary>Per region, what it added.</summary>
    [Id(0)]
    public ImmutableSortedDictionary<string, long> Increments { get; }

    /// <summary>Per region, what it took (a positive number).</summary>
    [Id(1)]
    public ImmutableSortedDictionary<string, long> Decrements { get; }

    /// <summary>Per giving region, per receiving region, the rights handed over.</summary>
    [Id(2)]
    public ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, long>> Transfers { get; }

    /// <summary>Per region, the highest dot applied.</summary>
    [Id(3)]
    public VersionVector Seen { get; }

    /// <summary>The counter: all additions minus all decrements; never negative when decisions follow <see cref="CanSpend"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Value => Increments.Values.Sum() - Decrements.Values.Sum();

    /// <summary>What <paramref name="region"/> may still decrement or hand away, as far as this replica knows (never more than it truly holds).</summary>
    public long RightsOf(string region)
    {
        var received = Transfers.Where(t => !string.Equals(t.Key, region, StringComparison.Ordinal)).Sum(t => t.Value.GetValueOrDefault(region));
        var given = Transfers.TryGetValue(region, out var outgoing) ? outgoing.Where(t => !string.Equals(t.Key, region, StringComparison.Ordinal)).Sum(t => t.Value) : 0;
        return Increments.GetValueOrDefault(region) - Decrements.GetValueOrDefault(region) + received - given;
    }

    /// <summary>Every region this counter has heard of: those that added, took, gave or received rights.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<string> Regions =>
        Increments.Keys.Concat(Decrements.Keys).Concat(Transfers.Keys).Concat(Transfers.Values.SelectMany(t => t.Keys)).Distinct(StringComparer.Ordinal);

    /// <summary>The decision rule: <paramref name="region"/> may spend <paramref name="amount"/> (decrement or hand away) here and now.</summary>
    public bool CanSpend(string region, long amount) => amount > 0 && RightsOf(region) >= amount;

    /// <summary>Applies an addition made by <paramref name="dot"/>'s region.</summary>
    public BoundedCounter Increment(Dot dot, long amount) =>
        Applies(dot, amount) ? new(Add(Increments, dot.Origin, amount), Decrements, Transfers, Seen.With(dot.Origin, dot.Seq)) : this;

    /// <summary>Applies a decrement decided by <paramref name="dot"/>'s region, with <see cref="CanSpend"/> or as a debt of that region.</summary>
    public BoundedCounter Decrement(Dot dot, long amount) =>
        Applies(dot, amount) ? new(Increments, Add(Decrements, dot.Origin, amount), Transfers, Seen.With(dot.Origin, dot.Seq)) : this;

    /// <summary>Applies a hand-over of rights from <paramref name="dot"/>'s region to <paramref name="to"/>, decided with <see cref="CanSpend"/>.</summary>
    public BoundedCounter Transfer(Dot dot, string to, long amount)
    {
        ArgumentException.ThrowIfNullOrEmpty(to);
        if (!Applies(dot, amount))
        {
            return this;
        }

        var outgoing = Transfers.GetValueOrDefault(dot.Origin) ?? NoCounts;
        return new(Increments, Decrements, Transfers.SetItem(dot.Origin, Add(outgoing, to, amount)), Seen.With(dot.Origin, dot.Seq));
    }

    private bool Applies(Dot dot, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        return dot.Seq > Seen[dot.Origin];
    }

    private static ImmutableSortedDictionary<string, long> Add(ImmutableSortedDictionary<string, long> counts, string key, long amount) =>
        counts.SetItem(key, checked(counts.GetValueOrDefault(key) + amount));

    public bool Equals(BoundedCounter? other) =>
        other is not null && Seen.Equals(other.Seen) && Increments.SequenceEqual(other.Increments) && Decrements.SequenceEqual(other.Decrements)
        && Transfers.Count == other.Transfers.Count
        && Transfers.All(t => other.Transfers.TryGetValue(t.Key, out var theirs) && t.Value.SequenceEqual(theirs));

    public override bool Equals(object? obj) => Equals(obj as BoundedCounter);

    public override int GetHashCode() => HashCode.Combine(Value, Seen);
}
