using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// An add-wins observed-remove set. Every add is tagged with the <see cref="Dot"/> of its event; a remove takes
/// away only the tags its command observed (<see cref="TagsOf"/>, carried in the remove event), so an add
/// concurrent with a remove survives it. Immutable; duplicates of an add or a remove change nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.or-set")]
public sealed class OrSet<T>
    where T : notnull, IComparable<T>
{
    // Strings order by code unit, never by culture: every region must hold the elements in one order.
    public static OrSet<T> Empty { get; } = new(ImmutableSortedDictionary.Create<T, ImmutableSortedSet<Dot>>(
        typeof(T) == typeof(string) ? (IComparer<T>)StringComparer.Ordinal : Comparer<T>.Default));

    public OrSet(ImmutableSortedDictionary<T, ImmutableSortedSet<Dot>> tags) => Tags = tags;

    /// <summary>Each present element with the tags of the adds that keep it present.</summary>
    [Id(0)]
    public ImmutableSortedDictionary<T, ImmutableSortedSet<Dot>> Tags { get; }

    public IEnumerable<T> Elements => Tags.Keys;

    public int Count => Tags.Count;

    public bool Contains(T element) => Tags.ContainsKey(element);

    /// <summary>The tags a remove of <paramref name="element"/> decided now must carry.</summary>
    public ImmutableSortedSet<Dot> TagsOf(T element) => Tags.TryGetValue(element, out var tags) ? tags : ImmutableSortedSet<Dot>.Empty;

    public OrSet<T> Add(T element, Dot tag)
    {
        var tags = TagsOf(element);
        return tags.Contains(tag) ? this : new(Tags.SetItem(element, tags.Add(tag)));
    }

    /// <summary>Removes the observed tags of <paramref name="element"/>; tags added concurrently stay.</summary>
    public OrSet<T> Remove(T element, IEnumerable<Dot> observed)
    {
        if (!Tags.TryGetValue(element, out var tags))
        {
            return this;
        }

        var left = tags.Except(observed);
        return left.Count == tags.Count ? this : new(left.IsEmpty ? Tags.Remove(element) : Tags.SetItem(element, left));
    }
}
