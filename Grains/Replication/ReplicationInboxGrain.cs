using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Replication;

/// <summary>Applies a peer's batch entity by entity, in parallel, and reports what is durable.</summary>
[StatelessWorker]
internal sealed partial class ReplicationInboxGrain(
    IEventLogStore store,
    InboundReplicationMonitor monitor,
    CheckpointSigner signer,
    CheckpointBook checkpoints,
    EntityTypeRegistry entityTypes,
    Diagnostics.ConcordMetrics metrics,
    Diagnostics.EventTraces traces,
    IOptions<ConcordOptions> options,
    ILogger<ReplicationInboxGrain> logger) : Grain, IReplicationInboxGrain
{
    private readonly ILogger<ReplicationInboxGrain> _logger = logger;

    public async Task<ReplicationAck> ReceiveAsync(ReplicationBatch batch, CancellationToken cancellationToken = default)
    {
        Authenticate(batch);
        RequireKnownTypes(batch);
        monitor.Received(batch.From, batch.Feed.Length + batch.Repairs.Length);
        foreach (var checkpoint in batch.Checkpoints.IsDefault ? [] : batch.Checkpoints)
        {
            if (signer.VerifyWithHeads(checkpoint))
            {
                await checkpoints.RecordAsync(checkpoint, cancellationToken);
            }
        }

        var repairs = signer.CanVerify ? await AcceptedRelaysAsync(batch, cancellationToken) : batch.Repairs;
        var byEntity = batch.Feed.Select(f => f.Event).Concat(repairs).GroupBy(e => e.EntityId, StringComparer.Ordinal);
        var results = await Task.WhenAll(byEntity.Select(async group =>
            (Entity: group.Key, Result: await ApplyTracedAsync(batch, group.Key, [.. group], cancellationToken))));
        monitor.CountCopies(results.Sum(r => r.Result.Copies));
        var versions = results.ToDictionary(r => r.Entity, r => r.Result.Version, StringComparer.Ordinal);

        var durableThrough = batch.Feed.IsDefaultOrEmpty ? 0 : OutboundFeedCursor.DurableThrough(batch.Feed, e => versions[e.EntityId][e.Origin] >= e.Seq);
        return new ReplicationAck(
            durableThrough,
            [.. results.Where(r => r.Result.Buffered > 0).Select(r => new EntityVersion(r.Entity, r.Result.Version))],
            results.Sum(r => r.Result.Rejected));
    }

    /// <summary>Applies one entity's events inside the apply span of each that the batch says was traced.</summary>
    private async Task<RemoteApplyResult> ApplyTracedAsync(ReplicationBatch batch, string entityId, ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken)
    {
        if (batch.Traces.IsDefaultOrEmpty)
        {
            // No event of the batch was traced (no listener at its origin): nothing to open, the common case.
            return await ApplyAsync(entityId, events, cancellationToken);
        }

        var spans = Diagnostics.ReplicationSpans.Applying(traces, options.Value.Region, batch.From, batch.Traces, events);
        try
        {
            var result = await ApplyAsync(entityId, events, cancellationToken);
            spans.End();
            return result;
        }
        catch (Exception ex)
        {
            spans.End(ex);
            throw;
        }
    }

    /// <summary>Hands one entity's events to its replica, found by the entity's registered type.</summary>
    private Task<RemoteApplyResult> ApplyAsync(string entityId, ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken) =>
        entityTypes.TryResolve(entityId, out var type, out var key) ? entityTypes.GrainOf(GrainFactory, type, key).ApplyRemoteAsync(events, cancellationToken)
        : throw new Interfaces.Entities.UnknownEntityTypeException(entityId, entityId);

    /// <summary>
    /// Refuses the whole batch, before anything is applied, when an event names an entity type or a payload kind
    /// this region has no registration for. The sender keeps it in its feed and ships it again.
    /// </summary>
    private void RequireKnownTypes(ReplicationBatch batch)
    {
        try
        {
            foreach (var e in batch.Feed.Select(f => f.Event).Concat(batch.Repairs))
            {
                entityTypes.RequireKnown(e);
            }
        }
        catch (ConcordException ex)
        {
            monitor.CountRejected();
            metrics.ReplicationRejected(options.Value.Region);
            LogRejected(options.Value.Region, batch.From, ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Events the sender relays for another origin are accepted only up to that origin's newest signed head
    /// for the entity, and only along a chain that runs from what this region holds to exactly that head.
    /// The rest waits: a later checkpoint, or the origin itself, brings it again.
    /// </summary>
    private async Task<IEnumerable<EventEnvelope>> AcceptedRelaysAsync(ReplicationBatch batch, CancellationToken cancellationToken)
    {
        var direct = batch.Repairs.Where(e => string.Equals(e.Origin, batch.From, StringComparison.Ordinal));
        var accepted = await RelayVerification.AcceptAsync(
            batch.Repairs.Where(e => !string.Equals(e.Origin, batch.From, StringComparison.Ordinal)),
            checkpoints.TryGetSignedHead,
            async entity => await store.GetHeadsAsync(entity, cancellationToken));
        return direct.Concat(accepted);
    }

    /// <summary>Refuses the whole batch, before anything is applied, unless it is authentic, fresh and intact.</summary>
    private void Authenticate(ReplicationBatch batch)
    {
        var region = options.Value.Region;
        string? problem = null;
        if (options.Value.ReplicationSecret is { } secret)
        {
            if (!new BatchAuthenticator(secret).Verify(batch, region))
            {
                problem = "its MAC does not verify";
            }
            else if (!monitor.TryAdvance($"{batch.From}/{batch.Sender}", batch.Sequence))
            {
                problem = $"it replays sequence {batch.Sequence} of sender {batch.Sender}";
            }
        }

        problem ??= batch.Feed.Select(f => f.Event).Concat(batch.Repairs).Any(e => !EventCodec.HasValidHash(e))
            ? "an event does not match its hash"
            : null;
        if (problem is not null)
        {
            monitor.CountRejected();
            metrics.ReplicationRejected(region);
            LogRejected(region, batch.From, problem);
            throw new ReplicationBatchRejectedException($"Region '{region}' refused a batch from '{batch.From}': {problem}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {Region} refused a replication batch from {From}: {Problem}. Nothing was applied.")]
    private partial void LogRejected(string region, string from, string problem);

    public async Task<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default) =>
        await store.GetDigestAsync(cancellationToken);

    public async Task ReceiveCheckpointAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        if (!signer.Verify(checkpoint) || (!checkpoint.Heads.IsDefault && !signer.VerifyWithHeads(checkpoint)))
        {
            monitor.CountRejected();
            metrics.ReplicationRejected(options.Value.Region);
            LogRejected(options.Value.Region, checkpoint.Signer, "a checkpoint whose signature does not verify");
            throw new ReplicationBatchRejectedException($"Region '{options.Value.Region}' refused a checkpoint claiming to be from '{checkpoint.Signer}': its signature does not verify.");
        }

        await checkpoints.RecordAsync(checkpoint, cancellationToken);
    }

    public async Task<ImmutableArray<SignedCheckpoint>> GetCheckpointsAsync(string signer, CancellationToken cancellationToken = default)
    {
        // Evidence any silo of this region archived counts, not only what this silo saw.
        await checkpoints.RefreshAsync(includeEvidence: true, cancellationToken);
        return checkpoints.Of(signer);
    }

    public async Task<ImmutableArray<EntityHeads>> GetHeadsAsync(ImmutableArray<string> entities, CancellationToken cancellationToken = default)
    {
        var result = ImmutableArray.CreateBuilder<EntityHeads>(entities.Length);
        foreach (var entity in entities)
        {
            result.Add(new EntityHeads(entity, [.. await store.GetHeadsAsync(entity, cancellationToken)]));
        }

        return result.MoveToImmutable();
    }

    public async Task<ImmutableArray<EventEnvelope>> GetBeyondAsync(int bucket, ImmutableArray<EntityVersion> askerHolds, CancellationToken cancellationToken = default)
    {
        var theirs = askerHolds.ToDictionary(v => v.EntityId, v => v.Version, StringComparer.Ordinal);
        var ours = await store.ListBucketAsync(bucket, cancellationToken);
        var beyond = await TailRecovery.BeyondAsync(
            store,
            ours.Select(v => v.EntityId),
            entity => theirs.GetValueOrDefault(entity) ?? VersionVector.Empty,
            cancellationToken);
        return [.. beyond];
    }

    public async Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken = default)
    {
        var silos = await GrainFactory.GetGrain<IManagementGrain>(0).SendControlCommandToProvider<Recovery.WaitingEventsRegistry>(
            Recovery.WaitingEventsRegistry.Name, Recovery.WaitingEventsRegistry.TakeCommand, origin, cancellationToken);
        return [.. silos.OfType<ImmutableArray<EventEnvelope>>().SelectMany(e => e)];
    }

    public async Task<SessionCatchUp> GetForSessionAsync(string entityId, VersionVector held, VersionVector required, CancellationToken cancellationToken = default)
    {
        var region = options.Value.Region;
        var events = await SessionCatchUps.AheadAsync(store, entityId, held, required, cancellationToken);
        var heads = await Task.WhenAll(events
            .Where(e => !string.Equals(e.Origin, region, StringComparison.Ordinal))
            .GroupBy(e => e.Origin, StringComparer.Ordinal)
            .Select(chain => SignedHeadOfAsync(chain.Key, entityId, chain.Max(e => e.Seq), cancellationToken)));
        return new SessionCatchUp([.. events], [.. heads.OfType<SignedHead>()]);
    }

    /// <summary>The origin's signed word on the head relayed for it; null when the origin does not answer in time (the asker then goes by the origin's checkpoints).</summary>
    private async Task<SignedHead?> SignedHeadOfAsync(string origin, string entityId, long seq, CancellationToken cancellationToken)
    {
        if (ServiceProvider.GetService<RegionLinks>() is not { } links || !signer.CanVerify)
        {
            return null;
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.Value.LinkCallTimeout);
        try
        {
            return await links.Get(origin).GetSignedHeadAsync(entityId, seq, bound.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogNoSignedHead(options.Value.Region, origin, entityId, ex.GetBaseException().Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Region {Region} relays {Origin}'s events of {EntityId} for a session without that origin's signed head: {Problem}.")]
    private partial void LogNoSignedHead(string region, string origin, string entityId, string problem);

    public Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        GrainFactory.GetGrain<IRegionAdminGrain>(0).GetStatusAsync(cancellationToken);

    public async Task<SignedHead?> GetSignedHeadAsync(string entityId, long seq, CancellationToken cancellationToken = default)
    {
        var region = options.Value.Region;
        if (!signer.CanSign || seq < 1)
        {
            return null;
        }

        var own = await store.ReadOriginAsync(entityId, region, seq, 1, cancellationToken);
        return own is [{ Event: var e }] && e.Seq == seq ? signer.SignHead(region, entityId, seq, e.Hash) : null;
    }

    public async Task<ImmutableArray<EntityVersion>> GetBucketAsync(int bucket, CancellationToken cancellationToken = default) =>
        [.. await store.ListBucketAsync(bucket, cancellationToken)];
}
