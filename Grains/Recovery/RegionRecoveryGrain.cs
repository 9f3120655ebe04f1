using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Recovery;

/// <summary>
/// The region's side of taking back a lost tail (docs/reliability.md, "A region that comes back without its last
/// commits"). Each round asks every peer that has not answered yet for the events of this region's origin waiting in
/// its buffers (the peer drops them) and for everything it holds beyond this store in each digest bucket that differs,
/// of any origin; hands those to the replicas, which accept an event only where its hash verifies and it extends the
/// chain held here. When every peer has answered and everything sent back that can apply here has applied, the gates
/// of every silo open: the region's chains then continue after the highest sequence any peer held.
/// </summary>
internal sealed partial class RegionRecoveryGrain(
    [PersistentState("region-recovery", ConcordStorage.Name)] IPersistentState<RegionRecoveryState> state,
    IEventLogStore store,
    EntityTypeRegistry entityTypes,
    RegionWriteGate gate,
    CheckpointSigner signer,
    CheckpointBook checkpoints,
    IServiceProvider services,
    IOptions<ConcordOptions> options,
    TimeProvider time,
    ILogger<RegionRecoveryGrain> logger) : Grain, IRegionRecoveryGrain
{
    private static readonly TimeSpan RoundInterval = TimeSpan.FromSeconds(1);

    private readonly ILogger<RegionRecoveryGrain> _logger = logger;
    private readonly SortedSet<string> _answered = new(StringComparer.Ordinal);
    private TailRecoveryOwed _owed = new();
    private IGrainTimer? _rounds;
    private string? _problem;

    private ConcordOptions Options => options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Recovering)
        {
            // A recovery under way when the grain went away starts again from the first peer: what it had taken
            // back is in the store, what it had not is asked for again.
            gate.Shut();
            StartRounds();
        }

        return Task.CompletedTask;
    }

    public async Task BeginAsync(CancellationToken cancellationToken = default)
    {
        gate.Shut();
        if (!state.State.Recovering)
        {
            state.State.Recovering = true;
            state.State.BegunAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            await state.WriteStateAsync(cancellationToken);
            _answered.Clear();
            _owed = new TailRecoveryOwed();
            LogBegun(Options.Region, string.Join(", ", Options.Peers));
        }

        StartRounds();
    }

    public Task<RegionRecoveryStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new RegionRecoveryStatus(
            state.State.Recovering,
            [.. _answered],
            [.. Options.Peers.Where(p => !_answered.Contains(p)).Order(StringComparer.Ordinal)],
            _owed.Count,
            _problem));

    private void StartRounds() =>
        _rounds ??= this.RegisterGrainTimer(RoundAsync, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = RoundInterval, KeepAlive = true });

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Recovering)
        {
            return;
        }

        var links = services.GetService<RegionLinks>();
        foreach (var peer in Options.Peers.Where(p => !_answered.Contains(p)).ToList())
        {
            try
            {
                await TakeBackFromAsync(links?.Get(peer) ?? throw new RegionLinkUnavailableException(peer, "no link factory is registered"), cancellationToken);
                _answered.Add(peer);
            }
            catch (Exception ex) when (ex is RegionLinkUnavailableException or OperationCanceledException or TimeoutException or TailNotExtendedException)
            {
                _problem = $"{peer}: {ex.Message}";
                LogPeerNotYet(Options.Region, peer, ex.Message);
            }
        }

        if (_answered.Count < Options.Peers.Count())
        {
            return;
        }

        if (!await _owed.HoldsAllAsync(store, cancellationToken))
        {
            // Something sent back still waits for a dependency that another peer may hold by now: ask everyone again.
            _problem = "events sent back wait for their causal past; asking every peer again";
            _answered.Clear();
            return;
        }

        // This region's own events still waiting in its buffers follow one that no peer held (it was lost with the
        // failover): they can never apply, anywhere, and the sequences they name are written anew.
        var management = GrainFactory.GetGrain<IManagementGrain>(0);
        var unappliable = (await management.SendControlCommandToProvider<WaitingEventsRegistry>(WaitingEventsRegistry.Name, WaitingEventsRegistry.TakeCommand, Options.Region, cancellationToken))
            .OfType<ImmutableArray<Interfaces.Events.EventEnvelope>>().Sum(e => e.Length);
        state.State.Recovering = false;
        await state.WriteStateAsync(cancellationToken);
        gate.Open();
        _rounds?.Dispose();
        _rounds = null;
        _problem = null;
        LogRecovered(Options.Region, _owed.Count, unappliable, time.GetUtcNow().ToUnixTimeMilliseconds() - state.State.BegunAtMs);

        // Every other silo opens at once; one that misses this follows the stored state at its next keep-alive.
        await management.SendControlCommandToProvider<RegionWriteGate>(RegionWriteGate.Name, RegionWriteGate.OpenCommand, null, cancellationToken);
    }

    private async Task TakeBackFromAsync(IRegionLink link, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Options.LinkCallTimeout * 4);

        // First what waits in the peer's buffers, which the peer takes out of them as it hands it back (and hands back
        // again if this answer is lost): applied there later, an old event would fork the chain this region is about to
        // continue.
        var events = new List<Interfaces.Events.EventEnvelope>(await link.TakeWaitingAsync(Options.Region, bound.Token));
        var ours = await store.GetDigestAsync(cancellationToken);
        var theirs = await link.GetDigestAsync(bound.Token);
        foreach (var bucket in ours.DifferingBuckets(theirs))
        {
            var held = await store.ListBucketAsync(bucket, cancellationToken);
            events.AddRange(await link.GetBeyondAsync(bucket, [.. held], bound.Token));
        }

        // The checkpoints this region signed before the loss, as the peer keeps them: none is signed again for a position
        // the feed now fills differently.
        foreach (var checkpoint in await link.GetCheckpointsAsync(Options.Region, bound.Token))
        {
            if (signer.Verify(checkpoint))
            {
                await checkpoints.RecordAsync(checkpoint, cancellationToken);
            }
        }

        _owed.Record(events);
        var results = await Task.WhenAll(events
            .GroupBy(e => e.EntityId, StringComparer.Ordinal)
            .Select(group => entityTypes.TryResolve(group.Key, out var type, out var key)
                ? entityTypes.GrainOf(GrainFactory, type, key).ApplyRemoteAsync([.. group.OrderBy(e => e.Origin, StringComparer.Ordinal).ThenBy(e => e.Seq)], cancellationToken)
                : throw new Interfaces.Entities.UnknownEntityTypeException(group.Key, group.Key)));
        if (results.Sum(r => r.Rejected) is var rejected and > 0)
        {
            throw new TailNotExtendedException($"{rejected} event(s) it sent back do not verify or do not extend the chains held here (a fork between peers?)");
        }

        LogPeerAnswered(Options.Region, link.Peer, events.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} takes no writes of its own until it has taken back what {Peers} hold of it (recovery after a restore or a failover).")]
    private partial void LogBegun(string region, string peers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Region {Region} took back {Count} event(s) from {Peer}.")]
    private partial void LogPeerAnswered(string region, string peer, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} could not take back what {Peer} holds yet: {Problem}. Writes stay refused; retrying.")]
    private partial void LogPeerNotYet(string region, string peer, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} recovered: every peer sent back what it holds ({Count} event(s); {Unappliable} of its own dropped, their predecessor lost with the failover) in {ElapsedMs} ms; writes resume.")]
    private partial void LogRecovered(string region, int count, int unappliable, long elapsedMs);
}

/// <summary>A peer sent back events that do not verify or do not extend this region's chains.</summary>
internal sealed class TailNotExtendedException(string message) : Exception(message);
