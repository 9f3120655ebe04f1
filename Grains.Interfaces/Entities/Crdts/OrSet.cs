using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// An add-wins observed-remove set. Every add is tagged with the <see cref="Dot"/> of its event; a remove takes
/// away only the tags its command observed (<see cref="TagsOf"/>, carried in the remove event), so an add
/// concurrent with a remove survives it. The set remembers, per origin, the highest add it applied, so a
/// duplicate of an add delivered after its remove does not bring the element back (adds of one origin arrive in
/// seq order under causal delivery). Immutable; duplicates of an add or a remove change nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.or-set")]
public sealed class OrSet<T>
    where T : notnull, IComparable<T>
{
    // Strings order by code unit, never by culture: every region must hold the elements in one order.
    public static OrSet<T> Empty { get; } = new(
        ImmutableSortedDictionary.Create<T, ImmutableSortedSet<Dot>>(typeof(T) == typeof(string) ? (IComparer<T>)StringComparer.Ordinal : Comparer<T>.Default),
        VersionVector.Empty);

    public OrSet(ImmutableSortedDictionary<T, ImmutableSortedSet<Dot>> tags, VersionVector seen)
    {
        Tags = tags;
        Seen = seen;
    }

    /// <summary>Per origin, the highest add applied.</summary>
    [Id(1)]
    public VersionVector Seen { get; }

    /// <summary>Each present element with the tags of the adds that keep it present.</summary>
    [Id(0)]
    public ImmutableSortedDictionary<T, ImmutableSortedSet<Dot>> Tags { get; }

    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<T> Elements => Tags.Keys;

    [System.Text.Json.Serialization.JsonIgnore]
    public int Count => Tags.Count;

    public bool Contains(T element) => Tags.ContainsKey(element);

    /// <summary>The tags a remove of <paramref name="element"/> decided now must carry.</summary>
    public ImmutableSortedSet<Dot> TagsOf(T element) => Tags.TryGetValue(element, out var tags) ? tags : ImmutableSortedSet<Dot>.Empty;

    public OrSet<T> Add(T element, Dot tag) =>
        tag.Seq <= Seen[tag.Origin] ? this : new(Tags.SetItem(element, TagsOf(element).Add(tag)), Seen.With(tag.Origin, tag.Seq));

    /// <summary>Removes the observed tags of <paramref name="element"/>; tags added concurrently stay.</summary>
    public OrSet<T> Remove(T element, IEnumerable<Dot> observed)
    {
        if (!Tags.TryGetValue(element, out var tags))
        {
            return this;
        }

        var left = tags.Except(observed);
        return left.Count == tags.Count ? this : new(left.IsEmpty ? Tags.Remove(element) : Tags.SetItem(element, left), Seen);
    }
}
