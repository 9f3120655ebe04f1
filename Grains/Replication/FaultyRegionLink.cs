using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// Wraps a link with the faults <see cref="LinkFaults"/> holds for its peer: cut, delay, drop, duplicate
/// and reorder (a batch held back and delivered after a later one). With no fault it adds nothing.
/// </summary>
public sealed class FaultyRegionLink(IRegionLink inner, LinkFaults faults) : IRegionLink
{
    private readonly object _lock = new();
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
        bool drop, duplicate, reorder;
        lock (_lock)
        {
            drop = _random.NextDouble() < fault.DropRate;
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

        if (drop || reorder)
        {
            throw new RegionLinkUnavailableException(Peer, reorder ? "batch held back (injected reorder)" : "batch lost (injected drop)");
        }

        var ack = await inner.SendAsync(batch, cancellationToken);
        if (late is not null)
        {
            await inner.SendAsync(late, cancellationToken);
        }

        return duplicate ? await inner.SendAsync(batch, cancellationToken) : ack;
    }

    public async Task<ForwardedCommandResult> ForwardCommandAsync(ForwardedCommand command, CancellationToken cancellationToken)
    {
        await BeforeRequestAsync(cancellationToken);
        return await inner.ForwardCommandAsync(command, cancellationToken);
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
