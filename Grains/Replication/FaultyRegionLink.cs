using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// Wraps a link with the faults <see cref="LinkFaults"/> holds for its peer: cut, delay, drop, duplicate
/// and reorder (a batch held back and delivered after a later one). A drop loses the request or, as often, the
/// answer after the peer carried the call out (a batch applied whose ack is lost, a forwarded command decided whose
/// receipt is lost). With <paramref name="replicationSecret"/>, duplicated and late batches go out authenticated as
/// a sender of their own (a fresh sequence and MAC), so the peer's replay filter lets them through to the replicas:
/// the faults reach the apply path. With no fault it adds nothing.
/// </summary>
public sealed class FaultyRegionLink(IRegionLink inner, LinkFaults faults, string? replicationSecret = null) : IRegionLink
{
    private readonly object _lock = new();
    private readonly string _copySender = $"fault-copies-{Guid.NewGuid():N}";
    private long _copySequence;
    private Random _random = new(0);
    private int _seed;
    private ReplicationBatch? _heldBack;

    public string Peer => inner.Peer;

    public async Task<ReplicationAck> SendAsync(ReplicationBatch batch, CancellationToken cancellationToken)
    {
        var fault = await BeforeCallAsync(cancellationToken);
        if (fault.IsNone)
        {
            return await inner.SendAsync(batch, cancellationToken);
        }

        ReplicationBatch? late;
        bool drop, replyLost, duplicate, reorder;
        lock (_lock)
        {
            drop = _random.NextDouble() < fault.DropRate;
            replyLost = drop && _random.Next(2) == 0;
            duplicate = _random.NextDouble() < fault.DuplicateRate;
            reorder = _heldBack is null && _random.NextDouble() < fault.ReorderRate;
            late = reorder ? null : _heldBack;
            if (reorder)
            {
                _heldBack = batch;
            }
            else
            {
                _heldBack = null;
            }
        }

        if (replyLost)
        {
            await inner.SendAsync(batch, cancellationToken);
            faults.CountReplyLost();
            throw new RegionLinkUnavailableException(Peer, "ack lost (injected drop)");
        }

        if (drop || reorder)
        {
            throw new RegionLinkUnavailableException(Peer, reorder ? "batch held back (injected reorder)" : "batch lost (injected drop)");
        }

        var ack = await inner.SendAsync(batch, cancellationToken);
        if (late is not null)
        {
            await inner.SendAsync(Copy(late), cancellationToken);
        }

        return duplicate ? await inner.SendAsync(Copy(batch), cancellationToken) : ack;
    }

    /// <summary>A batch sent again by this layer: authenticated afresh, or the peer would refuse it as a replay before any replica saw it.</summary>
    private ReplicationBatch Copy(ReplicationBatch batch) =>
        replicationSecret is null
            ? batch
            : new BatchAuthenticator(replicationSecret).Sign(batch with { Sender = _copySender, Sequence = Interlocked.Increment(ref _copySequence) }, Peer);

    public async Task<ForwardedCommandResult> ForwardCommandAsync(ForwardedCommand command, CancellationToken cancellationToken)
    {
        var fault = await BeforeCallAsync(cancellationToken);
        bool drop, replyLost;
        lock (_lock)
        {
            drop = !fault.IsNone && _random.NextDouble() < fault.DropRate;
            replyLost = drop && _random.Next(2) == 0;
        }

        if (drop && !replyLost)
        {
            throw new RegionLinkUnavailableException(Peer, "request lost (injected drop)");
        }

        var result = await inner.ForwardCommandAsync(command, cancellationToken);
        if (replyLost)
        {
            // The home decided and appended; only the caller does not know.
            faults.CountReplyLost();
            throw new RegionLinkUnavailableException(Peer, "reply lost (injected drop)");
        }

        return result;
    }

    /// <summary>Cut and delay as for every call, and lose the request at the drop rate.</summary>
    private async Task BeforeRequestAsync(CancellationToken cancellationToken)
    {
        var fault = await BeforeCallAsync(cancellationToken);
        lock (_lock)
        {
            if (!fault.IsNone && _random.NextDouble() < fault.DropRate)
            {
                throw new RegionLinkUnavailableException(Peer, "request lost (injected drop)");
            }
        }
    }

    public async Task<RegionDigest> GetDigestAsync(CancellationToken cancellationToken)
    {
        await BeforeCallAsync(cancellationToken);
        return await inner.GetDigestAsync(cancellationToken);
    }

    public async Task<ImmutableArray<EntityHeads>> GetHeadsAsync(ImmutableArray<string> entities, CancellationToken cancellationToken)
    {
        await BeforeCallAsync(cancellationToken);
        return await inner.GetHeadsAsync(entities, cancellationToken);
    }

    public async Task SendCheckpointAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        await inner.SendCheckpointAsync(checkpoint, cancellationToken);
    }

    public async Task<ImmutableArray<SignedCheckpoint>> GetCheckpointsAsync(string signer, CancellationToken cancellationToken)
    {
        await BeforeCallAsync(cancellationToken);
        return await inner.GetCheckpointsAsync(signer, cancellationToken);
    }

    public async Task<ImmutableArray<EntityVersion>> GetBucketAsync(int bucket, CancellationToken cancellationToken)
    {
        await BeforeCallAsync(cancellationToken);
        return await inner.GetBucketAsync(bucket, cancellationToken);
    }

    public async Task<ImmutableArray<EventEnvelope>> GetBeyondAsync(int bucket, ImmutableArray<EntityVersion> askerHolds, CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        return await inner.GetBeyondAsync(bucket, askerHolds, cancellationToken);
    }

    public async Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        return await inner.TakeWaitingAsync(origin, cancellationToken);
    }

    public async Task<SessionCatchUp> GetForSessionAsync(string entityId, VersionVector held, VersionVector required, CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        return await inner.GetForSessionAsync(entityId, held, required, cancellationToken);
    }

    public async Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        return await inner.GetStatusAsync(cancellationToken);
    }

    public async Task<SignedHead?> GetSignedHeadAsync(string entityId, long seq, CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        return await inner.GetSignedHeadAsync(entityId, seq, cancellationToken);
    }

    private async Task<LinkFault> BeforeCallAsync(CancellationToken cancellationToken)
    {
        var fault = faults.For(Peer);
        if (fault.Cut)
        {
            throw new RegionLinkUnavailableException(Peer, "cut (injected)");
        }

        lock (_lock)
        {
            if (fault.Seed != _seed)
            {
                _seed = fault.Seed;
                _random = new Random(fault.Seed);
            }
        }

        if (fault.Delay > TimeSpan.Zero)
        {
            await Task.Delay(fault.Delay, cancellationToken);
        }

        return fault;
    }
}
