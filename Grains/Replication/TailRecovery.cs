using Concord.Grains.Interfaces.Events;
using Concord.Grains.Storage;

namespace Concord.Grains.Replication;

/// <summary>
/// The host-free halves of taking back a lost tail (a region restarted from a store that lost its last commits, or
/// restored from an older backup; see docs/reliability.md). The donor's half reads what it holds beyond the asker's
/// versions, of every origin; the asker's half remembers what was sent back and says when all of it is held. The
/// region's recovery grain and the simulator both use them.
/// </summary>
internal static class TailRecovery
{
    /// <summary>
    /// Every event <paramref name="store"/> holds of <paramref name="entities"/> beyond what the asker holds of each
    /// (<paramref name="askerHolds"/>), of any origin: the asker's own events first of all, and the events they depend on.
    /// </summary>
    public static async Task<IReadOnlyList<EventEnvelope>> BeyondAsync(
        IEventLogStore store,
        IEnumerable<string> entities,
        Func<string, VersionVector> askerHolds,
        CancellationToken cancellationToken)
    {
        var events = new List<EventEnvelope>();
        foreach (var entity in entities)
        {
            var theirs = askerHolds(entity);
            foreach (var head in await store.GetHeadsAsync(entity, cancellationToken))
            {
                if (head.Seq > theirs[head.Origin])
                {
                    var beyond = await store.ReadOriginAsync(entity, head.Origin, theirs[head.Origin] + 1, int.MaxValue, cancellationToken);
                    events.AddRange(beyond.Select(l => l.Event));
                }
            }
        }

        return events;
    }
}

/// <summary>What peers sent back to a recovering region, by chain; used from one logical thread.</summary>
internal sealed class TailRecoveryOwed
{
    private readonly Dictionary<(string EntityId, string Origin), SortedSet<long>> _owed = [];

    /// <summary>How many distinct events were sent back.</summary>
    public int Count => _owed.Values.Sum(s => s.Count);

    public void Record(IEnumerable<EventEnvelope> events)
    {
        foreach (var e in events)
        {
            if (!_owed.TryGetValue((e.EntityId, e.Origin), out var seqs))
            {
                _owed[(e.EntityId, e.Origin)] = seqs = [];
            }

            seqs.Add(e.Seq);
        }
    }

    /// <summary>
    /// True when every chain holds what was sent back of it as far as it could apply: no chain stops right before a
    /// sequence a peer sent (that one still waits for a dependency). An event whose predecessor no peer held can never
    /// apply anywhere, and does not hold recovery up.
    /// </summary>
    public async Task<bool> HoldsAllAsync(IEventLogStore store, CancellationToken cancellationToken)
    {
        foreach (var ((entity, origin), seqs) in _owed)
        {
            if (seqs.Contains((await store.GetVersionAsync(entity, cancellationToken))[origin] + 1))
            {
                return false;
            }
        }

        return true;
    }
}
