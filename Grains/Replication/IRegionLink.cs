using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// This region's channel to one peer region. Every call is bounded by the caller's token; a peer that is
/// down or slow fails the call and never blocks anything else.
/// </summary>
public interface IRegionLink
{
    string Peer { get; }

    Task<ReplicationAck> SendAsync(ReplicationBatch batch, CancellationToken cancellationToken);

    Task<RegionDigest> GetDigestAsync(CancellationToken cancellationToken);

    Task<ImmutableArray<EntityVersion>> GetBucketAsync(int bucket, CancellationToken cancellationToken);

    Task<ImmutableArray<EntityHeads>> GetHeadsAsync(ImmutableArray<string> entities, CancellationToken cancellationToken);

    Task SendCheckpointAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken);

    Task<ImmutableArray<SignedCheckpoint>> GetCheckpointsAsync(string signer, CancellationToken cancellationToken);

    /// <summary>Every event the peer holds beyond <paramref name="askerHolds"/> in one digest bucket, of any origin.</summary>
    Task<ImmutableArray<EventEnvelope>> GetBeyondAsync(int bucket, ImmutableArray<EntityVersion> askerHolds, CancellationToken cancellationToken);

    /// <summary>Hands back, and takes out of the peer's buffers, the events of <paramref name="origin"/> waiting there for their causal past (again on every ask).</summary>
    Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken);

    /// <summary>
    /// What the peer holds of <paramref name="entityId"/> beyond <paramref name="held"/> of the origins a session
    /// (<paramref name="required"/>) is ahead on, with each third origin's signed word on the chain's head.
    /// </summary>
    Task<SessionCatchUp> GetForSessionAsync(string entityId, VersionVector held, VersionVector required, CancellationToken cancellationToken);

    /// <summary>The peer's signed word on its own event <paramref name="seq"/> of <paramref name="entityId"/>; null when it does not hold it or signs nothing.</summary>
    Task<SignedHead?> GetSignedHeadAsync(string entityId, long seq, CancellationToken cancellationToken);

    /// <summary>The peer's own status: its links, lags and digest as it sees them.</summary>
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Has the peer, as the home region of the command's entity, decide a strict command: of a registered entity
    /// type, or the ledger's and the handles' own (a strict debit, a batch transfer, a handle operation).
    /// </summary>
    Task<ForwardedCommandResult> ForwardCommandAsync(ForwardedCommand command, CancellationToken cancellationToken);
}

/// <summary>Creates the link to a peer; registered by the host, which knows where peers are.</summary>
public interface IRegionLinkFactory
{
    IRegionLink Create(string peer);
}

/// <summary>A link could not carry a call (cut, not connected, or the peer did not answer).</summary>
public sealed class RegionLinkUnavailableException(string peer, string message, Exception? inner = null)
    : Exception($"Link to region '{peer}': {message}", inner)
{
    public string Peer { get; } = peer;
}
