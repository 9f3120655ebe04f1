using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;

namespace Concord.Grains.Replication;

/// <summary>
/// What one region owes a peer after comparing digests, with no host in it: the entities the peer holds less of (per
/// differing bucket), and the events that make up the difference, of any origin (so a region relays what a cut link
/// kept from the peer). The outbound replicator grain and the simulator both use it. Used from one logical thread.
/// </summary>
/// <remarks>
/// This region's own events go to the peer in the order it wrote them: a repair carries them only once the peer has
/// acknowledged the whole feed (<paramref name="feed"/>); until then the feed brings them, oldest first. So an event
/// that follows another one of this region in another entity (a transfer's credit after its debit) never reaches a
/// peer from here before the first, which the peer then holds durably or in its causal buffer. A region that fails
/// over and loses its tail takes both back from its peers (docs/reliability.md, finding 10).
/// </remarks>
internal sealed class AntiEntropyRepairs(IEventLogStore store, OutboundFeedCursor feed)
{
    /// <summary>Buckets compared per round: the rest differ again next round.</summary>
    public const int MaxBucketsPerRound = 32;

    /// <summary>Entities repaired per batch: the rest wait for the next.</summary>
    public const int MaxEntitiesPerBatch = 64;

    private readonly Dictionary<string, VersionVector> _needs = new(StringComparer.Ordinal);

    /// <summary>Whether anything is owed to the peer.</summary>
    public int Count => _needs.Count;

    /// <summary>The buckets to ask the peer's versions of, when its digest differs from this region's.</summary>
    public static IReadOnlyList<int> BucketsToCompare(RegionDigest ours, RegionDigest theirs) =>
        [.. ours.DifferingBuckets(theirs).Take(MaxBucketsPerRound)];

    /// <summary>Records what the peer lacks in one bucket: every entity here whose version the peer's does not cover.</summary>
    public async Task CompareBucketAsync(int bucket, IReadOnlyList<EntityVersion> peerBucket, CancellationToken cancellationToken)
    {
        var peerVersions = peerBucket.ToDictionary(v => v.EntityId, v => v.Version, StringComparer.Ordinal);
        foreach (var local in await store.ListBucketAsync(bucket, cancellationToken))
        {
            var peerHas = peerVersions.GetValueOrDefault(local.EntityId) ?? VersionVector.Empty;
            if (!peerHas.Covers(local.Version))
            {
                _needs[local.EntityId] = peerHas;
            }
        }
    }

    /// <summary>Records that the peer asked for what follows <paramref name="peerHas"/> of <paramref name="entityId"/> (a gap it saw).</summary>
    public void Owe(string entityId, VersionVector peerHas) => _needs[entityId] = peerHas;

    /// <summary>
    /// Takes up to <see cref="MaxEntitiesPerBatch"/> owed entities and reads everything this region holds beyond the
    /// peer's version of each: this region's own events only when the peer acknowledged the whole feed.
    /// </summary>
    public async Task<ImmutableArray<EventEnvelope>> TakeRepairsAsync(CancellationToken cancellationToken)
    {
        if (_needs.Count == 0)
        {
            return [];
        }

        var repairs = ImmutableArray.CreateBuilder<EventEnvelope>();
        foreach (var (entity, peerHas) in _needs.Take(MaxEntitiesPerBatch).ToList())
        {
            _needs.Remove(entity);
            var ours = await store.GetVersionAsync(entity, cancellationToken);
            foreach (var (origin, seq) in ours.Entries)
            {
                var from = peerHas[origin] + 1;
                if (seq >= from)
                {
                    var events = await store.ReadOriginAsync(entity, origin, from, feed.BatchSize, cancellationToken);
                    repairs.AddRange(events.Select(e => e.Event));
                }
            }
        }

        // The head is read after the events: every own event read lies at or before it, so an acknowledged head covers them.
        if (repairs.Any(e => e.Origin == feed.Origin) && await feed.IsBehindAsync(cancellationToken))
        {
            repairs.RemoveAll(e => e.Origin == feed.Origin);
        }

        return repairs.ToImmutable();
    }
}
