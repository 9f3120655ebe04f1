using System.Collections.Concurrent;

namespace Concord.Grains.Derived;

/// <summary>
/// How far each derived consumer active in this silo (an account's summary and transfer processor, a registered
/// view) has folded its entity's log, as it said after its last delivery or catch-up. An entity's repair pass
/// (<see cref="DerivedRepair"/>) calls only the consumers this silo does not know to be at the head: when the log feed
/// delivered everything, a burst of writes costs no repair call at all. A consumer in another silo of the region is
/// unknown here and is called as before. Entries leave with their consumer's activation.
/// </summary>
internal sealed class DerivedPositions
{
    private readonly ConcurrentDictionary<(string Consumer, string EntityId), long> _positions = new();

    /// <summary>Records that <paramref name="consumer"/> folded <paramref name="entityId"/>'s log through <paramref name="position"/>.</summary>
    public void Reached(string consumer, string entityId, long position) =>
        _positions.AddOrUpdate((consumer, entityId), position, (_, known) => Math.Max(known, position));

    /// <summary>True when <paramref name="consumer"/> is known, in this silo, to have folded through <paramref name="target"/>.</summary>
    public bool HasReached(string consumer, string entityId, long target) =>
        _positions.TryGetValue((consumer, entityId), out var position) && position >= target;

    /// <summary>
    /// A repair pass's step for one consumer: true at once when this silo knows it at <paramref name="target"/>,
    /// otherwise whether <paramref name="catchUp"/> (the call to the consumer) brought it there.
    /// </summary>
    public async Task<bool> CatchUpAsync(string consumer, string entityId, long target, Func<Task<long>> catchUp) =>
        HasReached(consumer, entityId, target) || await catchUp() >= target;

    /// <summary>The consumer's activation is going: what it folded is no longer known here.</summary>
    public void Forget(string consumer, string entityId) => _positions.TryRemove((consumer, entityId), out _);
}
