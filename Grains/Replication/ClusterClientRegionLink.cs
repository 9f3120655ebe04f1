using System.Collections.Immutable;
using Concord.Grains.Constraints;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>A link that calls the peer's replication inbox through an Orleans client connected to the peer's cluster.</summary>
public sealed class ClusterClientRegionLink(string peer, Func<CancellationToken, Task<IClusterClient>> connect, string? credential = null) : IRegionLink
{
    public string Peer { get; } = peer;

    public Task<ReplicationAck> SendAsync(ReplicationBatch batch, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).ReceiveAsync(batch, cancellationToken), cancellationToken);

    public Task<RegionDigest> GetDigestAsync(CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetDigestAsync(cancellationToken), cancellationToken);

    public Task<ImmutableArray<EntityVersion>> GetBucketAsync(int bucket, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetBucketAsync(bucket, cancellationToken), cancellationToken);

    public Task<ImmutableArray<EntityHeads>> GetHeadsAsync(ImmutableArray<string> entities, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetHeadsAsync(entities, cancellationToken), cancellationToken);

    public Task<ImmutableArray<EventEnvelope>> GetBeyondAsync(int bucket, ImmutableArray<EntityVersion> askerHolds, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetBeyondAsync(bucket, askerHolds, cancellationToken), cancellationToken);

    public Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).TakeWaitingAsync(origin, cancellationToken), cancellationToken);

    public Task<SessionCatchUp> GetForSessionAsync(string entityId, VersionVector held, VersionVector required, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetForSessionAsync(entityId, held, required, cancellationToken), cancellationToken);

    public Task<SignedHead?> GetSignedHeadAsync(string entityId, long seq, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetSignedHeadAsync(entityId, seq, cancellationToken), cancellationToken);

    public Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetStatusAsync(cancellationToken), cancellationToken);

    public Task SendCheckpointAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken) =>
        CallAsync(async peer =>
        {
            await Inbox(peer).ReceiveCheckpointAsync(checkpoint, cancellationToken);
            return true;
        }, cancellationToken);

    public Task<ImmutableArray<SignedCheckpoint>> GetCheckpointsAsync(string signer, CancellationToken cancellationToken) =>
        CallAsync(peer => Inbox(peer).GetCheckpointsAsync(signer, cancellationToken), cancellationToken);

    public Task<ForwardedCommandResult> ForwardCommandAsync(ForwardedCommand command, CancellationToken cancellationToken) =>
        CallAsync(peer => peer.GetGrain<IHomeRegionGatewayGrain>(0).CommandAsync(command, cancellationToken), cancellationToken);

    private static IReplicationInboxGrain Inbox(IClusterClient peer) => peer.GetGrain<IReplicationInboxGrain>(0);

    private Task<T> CallAsync<T>(Func<IClusterClient, Task<T>> call, CancellationToken cancellationToken)
    {
        // The peer is another cluster reached through its own client: run the call outside the calling
        // grain's scheduler and execution context, so nothing of this silo's call chain leaks into it.
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(
                async () =>
                {
                    IClusterClient client;
                    try
                    {
                        client = await connect(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not RegionLinkUnavailableException)
                    {
                        throw new RegionLinkUnavailableException(Peer, "not connected", ex);
                    }

                    if (credential is not null)
                    {
                        RequestContext.Set(ClientCredentials.RequestContextKey, credential);
                    }

                    // WaitAsync bounds the call by the caller's token even if the peer never answers.
                    return await call(client).WaitAsync(cancellationToken).ConfigureAwait(false);
                },
                cancellationToken);
        }
    }
}
