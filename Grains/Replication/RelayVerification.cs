using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// Which events relayed by a region other than their origin may be applied: for each (entity, origin), only
/// a chain that runs from what this region already holds to exactly the head the origin signed in its newest
/// checkpoint. Anything else waits for a later checkpoint or for the origin itself.
/// </summary>
public static class RelayVerification
{
    public delegate bool SignedHeadLookup(string origin, string entityId, out (long Seq, ChainHash Hash) head);

    public static async Task<List<EventEnvelope>> AcceptAsync(
        IEnumerable<EventEnvelope> relayed,
        SignedHeadLookup signedHead,
        Func<string, Task<IReadOnlyList<OriginHead>>> heldHeads)
    {
        var accepted = new List<EventEnvelope>();
        foreach (var chain in relayed.GroupBy(e => (e.EntityId, e.Origin)))
        {
            if (!signedHead(chain.Key.Origin, chain.Key.EntityId, out var signed))
            {
                continue;
            }

            var held = (await heldHeads(chain.Key.EntityId)).FirstOrDefault(h => h.Origin == chain.Key.Origin);
            var cursor = held is null ? (Seq: 0L, Hash: ChainHash.Genesis) : (held.Seq, held.Hash);
            var bySeq = chain.GroupBy(e => e.Seq).ToDictionary(g => g.Key, g => g.First());
            var path = new List<EventEnvelope>();
            while (cursor.Seq < signed.Seq && bySeq.TryGetValue(cursor.Seq + 1, out var next) && next.PrevHash == cursor.Hash)
            {
                path.Add(next);
                cursor = (next.Seq, next.Hash);
            }

            if (cursor.Seq == signed.Seq && cursor.Hash == signed.Hash)
            {
                accepted.AddRange(path);
            }
        }

        return accepted;
    }
}
