using System.Collections.Immutable;
using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Orleans.Concurrency;

namespace Concord.Grains.Replication;

/// <summary>Applies a peer's batch entity by entity, in parallel, and reports what is durable.</summary>
[StatelessWorker]
internal sealed class ReplicationInboxGrain(IEventLogStore store, InboundReplicationMonitor monitor) : Grain, IReplicationInboxGrain
{
    public async Task<ReplicationAck> ReceiveAsync(ReplicationBatch batch, CancellationToken cancellationToken = default)
    {
        monitor.Received(batch.From, batch.Feed.Length + batch.Repairs.Length);
        var byEntity = batch.Feed.Select(f => f.Event).Concat(batch.Repairs).GroupBy(e => e.EntityId, StringComparer.Ordinal);
        var results = await Task.WhenAll(byEntity.Select(async group =>
            (Entity: group.Key, Result: HandleEntities.IsHandle(group.Key, out var handle)
                ? await GrainFactory.GetGrain<IHandleReplicaGrain>(handle).ApplyRemoteAsync([.. group], cancellationToken)
                : await GrainFactory.GetGrain<IReplicaGrain>(group.Key).ApplyRemoteAsync([.. group], cancellationToken))));
        var versions = results.ToDictionary(r => r.Entity, r => r.Result.Version, StringComparer.Ordinal);

        var durableThrough = batch.Feed.IsDefaultOrEmpty ? 0 : batch.Feed[0].FeedPosition - 1;
        foreach (var entry in batch.Feed)
        {
            if (versions[entry.Event.EntityId][entry.Event.Origin] < entry.Event.Seq)
            {
                break;
            }

            durableThrough = entry.FeedPosition;
        }

        return new ReplicationAck(
            durableThrough,
            [.. results.Where(r => r.Result.Buffered > 0).Select(r => new EntityVersion(r.Entity, r.Result.Version))],
            results.Sum(r => r.Result.Rejected));
    }

    public async Task<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default) =>
        await store.GetDigestAsync(cancellationToken);

    public async Task<ImmutableArray<EntityVersion>> GetBucketAsync(int bucket, CancellationToken cancellationToken = default) =>
        [.. await store.ListBucketAsync(bucket, cancellationToken)];
}
