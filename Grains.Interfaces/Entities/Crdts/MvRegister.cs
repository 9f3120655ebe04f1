using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// A multi-value register: a write replaces every value its event had seen (its <c>Deps</c>), and concurrent
/// writes are all kept, so a reader sees the conflict and a later write resolves it. Values are ordered by
/// the dot of their write. Immutable.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.mv-register")]
public sealed class MvRegister<T>
{
    public static MvRegister<T> Empty { get; } = new(ImmutableSortedDictionary<Dot, T>.Empty, VersionVector.Empty);

    public MvRegister(ImmutableSortedDictionary<Dot, T> writes, VersionVector seen)
    {
        Writes = writes;
        Seen = seen;
    }

    /// <summary>Per origin, the highest write applied: a duplicate of an older write is ignored.</summary>
    [Id(1)]
    public VersionVector Seen { get; }

    /// <summary>The concurrent writes that stand, by the dot of the event that wrote each.</summary>
    [Id(0)]
    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableSortedDictionary<Dot, T> Writes { get; }

    /// <summary>The same writes as a list ordered by dot: the form the canonical JSON of a state takes.</summary>
    public IEnumerable<KeyValuePair<Dot, T>> Entries => Writes;

    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<T> Values => Writes.Values;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsConflicted => Writes.Count > 1;

    /// <summary>Writes <paramref name="value"/> as event <paramref name="dot"/> whose causal past was <paramref name="seen"/>.</summary>
    public MvRegister<T> Set(T value, Dot dot, VersionVector seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        if (dot.Seq <= Seen[dot.Origin])
        {
            return this;
        }

        var writes = Writes;
        foreach (var (existing, _) in Writes)
        {
            if (existing.Seq <= seen[existing.Origin])
            {
                writes = writes.Remove(existing);
            }
        }

        return new(writes.SetItem(dot, value), Seen.With(dot.Origin, dot.Seq));
    }
}
