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
    public static MvRegister<T> Empty { get; } = new(ImmutableSortedDictionary<Dot, T>.Empty);

    public MvRegister(ImmutableSortedDictionary<Dot, T> writes) => Writes = writes;

    /// <summary>The concurrent writes that stand, by the dot of the event that wrote each.</summary>
    [Id(0)]
    public ImmutableSortedDictionary<Dot, T> Writes { get; }

    public IEnumerable<T> Values => Writes.Values;

    public bool IsConflicted => Writes.Count > 1;

    /// <summary>Writes <paramref name="value"/> as event <paramref name="dot"/> whose causal past was <paramref name="seen"/>.</summary>
    public MvRegister<T> Set(T value, Dot dot, VersionVector seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var writes = Writes;
        foreach (var (existing, _) in Writes)
        {
            if (existing.Seq <= seen[existing.Origin])
            {
                writes = writes.Remove(existing);
            }
        }

        return new(writes.SetItem(dot, value));
    }
}
