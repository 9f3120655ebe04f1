using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Replication;

/// <summary>
/// Tails this region's own feed, keeps the head of its chain in every entity, and signs a checkpoint of
/// them whenever the feed has moved. Peers that are down simply get a later checkpoint.
/// </summary>
internal sealed class CheckpointGrain(
    IEventLogStore store,
    CheckpointSigner signer,
    CheckpointBook book,
    IServiceProvider services,
    IOptions<ConcordOptions> options,
    Recovery.RegionWriteGate gate,
    LocalFeedSignal feedSignal,
    IClusterMembershipService membership,
    TimeProvider time) : Grain, ICheckpointGrain
{
    // The feed signal's version when the feed was last read to its end; null until then. A region of one silo whose
    // signal has not moved since appended nothing: the tick reads nothing.
    private long? _readAt;
    private readonly Dictionary<string, (long Seq, ChainHash Hash)> _heads = new(StringComparer.Ordinal);
    private long _position;
    private long _signedPosition;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(
            CheckpointNowAsync,
            new GrainTimerCreationOptions { DueTime = options.Value.CheckpointInterval, Period = options.Value.CheckpointInterval, KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task CheckpointNowAsync(CancellationToken cancellationToken = default)
    {
        var region = options.Value.Region;
        var signalled = feedSignal.Version;
        while (_readAt != signalled || !membership.IsOnlyActiveSilo())
        {
            var page = await store.ReadFeedAsync(region, _position, 1000, cancellationToken);
            if (page.Count == 0)
            {
                // Read to its end: until the signal moves, a region of one silo has nothing new to read.
                _readAt = signalled;
                break;
            }

            foreach (var entry in page)
            {
                _heads[entry.Event.EntityId] = (entry.Event.Seq, entry.Event.Hash);
                _position = entry.FeedPosition;
            }
        }

        // While the region takes back a lost tail its feed is not yet what it signed before; after that, a position it
        // signed before the loss (peers keep those checkpoints) may now hold other heads: signing it again would show
        // two histories for one position.
        if (_position == _signedPosition || !signer.CanSign || gate.IsShut || book.HighestPositionOf(region) >= _position)
        {
            return;
        }

        var checkpoint = signer.Sign(
            region,
            _position,
            CheckpointSigner.RootOf(_heads),
            time.GetUtcNow().ToUnixTimeMilliseconds(),
            [.. _heads.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new EntityHead(h.Key, h.Value.Seq, h.Value.Hash))]);
        await book.RecordAsync(checkpoint, cancellationToken);
        _signedPosition = _position;
        if (services.GetService<IRegionLinkFactory>() is null)
        {
            return;
        }

        var links = services.GetRequiredService<RegionLinks>();
        foreach (var peer in options.Value.Peers)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.LinkCallTimeout);
                await links.Get(peer).SendCheckpointAsync(checkpoint, timeout.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A later checkpoint covers this one; the auditor lists peers it cannot reach.
            }
        }
    }
}
