using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>A region's entry point for its peers' replication traffic. Peers call it through their region link.</summary>
[Alias("concord.IReplicationInboxGrain")]
public interface IReplicationInboxGrain : IGrainWithIntegerKey
{
    [Alias("receive")]
    Task<ReplicationAck> ReceiveAsync(ReplicationBatch batch, CancellationToken cancellationToken = default);

    [Alias("digest")]
    Task<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default);

    [Alias("bucket")]
    Task<ImmutableArray<EntityVersion>> GetBucketAsync(int bucket, CancellationToken cancellationToken = default);

    /// <summary>
    /// For a region taking back a lost tail: every event this region holds beyond what the asker holds
    /// (<paramref name="askerHolds"/>, its listing of the same bucket), of any origin.
    /// </summary>
    [Alias("beyond")]
    Task<ImmutableArray<EventEnvelope>> GetBeyondAsync(int bucket, ImmutableArray<EntityVersion> askerHolds, CancellationToken cancellationToken = default);

    /// <summary>Hands back, and takes out of the buffers in every silo of this region, the events of <paramref name="origin"/> waiting for their causal past (again on every ask).</summary>
    [Alias("take-waiting")]
    Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken = default);

    /// <summary>
    /// For a region whose replica of <paramref name="entityId"/> lacks what a client's session saw: what this region
    /// holds beyond <paramref name="held"/> of the origins <paramref name="required"/> is ahead on, with each third
    /// origin's signed word on the head of what is relayed (asked of that origin over this region's link).
    /// </summary>
    [Alias("for-session")]
    Task<SessionCatchUp> GetForSessionAsync(string entityId, VersionVector held, VersionVector required, CancellationToken cancellationToken = default);

    /// <summary>This region's signed word on its own event <paramref name="seq"/> of <paramref name="entityId"/>; null when it does not hold it or has no signing key.</summary>
    [Alias("signed-head")]
    Task<SignedHead?> GetSignedHeadAsync(string entityId, long seq, CancellationToken cancellationToken = default);

    /// <summary>This region's status, as its own admin grain gives it: how a peer's console shows the whole deployment.</summary>
    [Alias("status")]
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Keeps a peer's checkpoint after verifying its signature; refuses an unsigned or forged one.</summary>
    [Alias("checkpoint")]
    Task ReceiveCheckpointAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Every checkpoint of <paramref name="signer"/> this region holds.</summary>
    [Alias("checkpoints")]
    Task<ImmutableArray<SignedCheckpoint>> GetCheckpointsAsync(string signer, CancellationToken cancellationToken = default);

    /// <summary>The chain heads of each entity, read from the logs (for the auditor's cross-region comparison).</summary>
    [Alias("heads")]
    Task<ImmutableArray<EntityHeads>> GetHeadsAsync(ImmutableArray<string> entities, CancellationToken cancellationToken = default);
}
