using Concord.Grains.Diagnostics;
using Concord.Grains.Entities;
using Concord.Grains.Events;
using Concord.Grains.Handles;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Ledger;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Samples.Venues;

namespace Concord.Simulation;

/// <summary>
/// One region as the simulator hosts it: its durable log store, its clock, and, while it is up, the replicas
/// (<see cref="EntityStateMachine{TState}"/> of each entity type, the same core the grains host), the replicators' state and calls in
/// flight. A crash drops everything but the store and the replicators' acknowledged cursors.
/// </summary>
internal sealed partial class SimulatedRegion
{
    private const long ResendAfterMs = 600;
    private const long ForwardTimeoutMs = 500;
    private readonly Simulation _sim;

    // Small batches in the seeds (more interleavings per event); the silo's default in the scale mode.
    private readonly int _batchSize;
    private readonly ConcordOptions _options;
    private readonly ConcordMetrics _metrics;
    private readonly Dictionary<string, Task<IEntityStateMachine>> _replicas = new(StringComparer.Ordinal);
    private readonly Dictionary<long, TaskCompletionSource<ForwardedReply>> _calls = [];
    private readonly SortedDictionary<string, OutboundFeedCursor> _feeds = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _resendAt = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _shippedThrough = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, AntiEntropyRepairs> _repairs = new(StringComparer.Ordinal);
    private HybridLogicalClock _clock;
    private long _nextCall;
    private long _shareGifts;
    private readonly SortedSet<string> _awaitingRecovery = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _fencedBelow = new(StringComparer.Ordinal);
    private readonly TailRecoveryOwed _recoveryOwed = new();
    private readonly TraceLogger _logger;

    public SimulatedRegion(Simulation sim, string name, IReadOnlyList<string> regions, ConcordMetrics metrics, int batchSize)
    {
        _batchSize = batchSize;
        _sim = sim;
        Name = name;
        _metrics = metrics;
        _logger = new TraceLogger(sim, name);
        _options = new ConcordOptions { Region = name, Regions = [.. regions], MaxGroupCommitEvents = 64 };
        Time = new RegionTimeProvider(sim.Clock);
        _clock = new HybridLogicalClock(Time, name);
        foreach (var peer in _options.Peers)
        {
            _feeds[peer] = new OutboundFeedCursor(Store, name, batchSize);
            _resendAt[peer] = 0;
            _shippedThrough[peer] = 0;
            _repairs[peer] = new AntiEntropyRepairs(Store, _feeds[peer]);
        }
    }

    public string Name { get; }

    public JournaledStore Store { get; } = new();

    /// <summary>True after a restart that lost commits, until every peer has sent back what it holds: no local writes meanwhile.</summary>
    public bool IsRecovering => _awaitingRecovery.Count > 0;

    public RegionTimeProvider Time { get; }

    public bool IsUp { get; private set; } = true;

    /// <summary>Incremented by every crash: work begun before it must not answer after it.</summary>
    public int Epoch { get; private set; }

    public IEnumerable<string> Peers => _options.Peers;

    public string HomeOf(string entityId) => _sim.Types.HomeOf(entityId, _options.EffectiveRegions);

    /// <summary>Loses every replica and call in flight; the store (durable) and the acknowledged cursors survive.</summary>
    public void Crash()
    {
        IsUp = false;
        Epoch++;
        _replicas.Clear();
        foreach (var peer in _options.Peers)
        {
            _repairs[peer] = new AntiEntropyRepairs(Store, _feeds[peer]);
        }

        foreach (var call in _calls.Values)
        {
            call.TrySetException(new CoordinationUnavailableException("-", "-", "the region that forwarded it crashed"));
        }

        _calls.Clear();
    }

    /// <summary>Comes back with a new clock (the HLC restarts from the wall clock and the log), then re-drives transfer credits.</summary>
    public Task RestartAsync()
    {
        IsUp = true;
        _clock = new HybridLogicalClock(Time, Name);
        foreach (var peer in _options.Peers)
        {
            _resendAt[peer] = 0;
        }

        // A region still taking back what it lost keeps asking after any later crash: the state is durable.
        AskForRecovery();
        return CatchUpDerivedAsync();
    }

    public Task<IEntityStateMachine> ReplicaAsync(string entityId)
    {
        if (!IsUp)
        {
            // Work begun before a crash goes no further: a crashed process keeps nothing in memory and writes nothing.
            throw new StorageUnavailableException(entityId, $"'{Name}' is down");
        }

        if (!_replicas.TryGetValue(entityId, out var replica))
        {
            _replicas[entityId] = replica = ActivateAsync(entityId);
        }

        return replica;
    }

    /// <summary>A client's request: its command, and where the primary cannot be reached, the fallback the type's grain takes (a tentative claim).</summary>
    public async Task<EntityReceipt> ExecuteAsync(ClientOp op)
    {
        var epoch = Epoch;
        try
        {
            return await ExecuteAsync(op.EntityId, op.RequestId, op.Command);
        }
        catch (CoordinationUnavailableException) when (op.Fallback is { } fallback && Epoch == epoch)
        {
            return await ExecuteAsync(op.EntityId, op.RequestId, fallback);
        }
    }

    /// <summary>The grain's command path, over the same core: replay, route, forward to the decider or decide here, commit.</summary>
    public async Task<EntityReceipt> ExecuteAsync(string entityId, string requestId, object command, bool askPeers = true)
    {
        var machine = await ReplicaAsync(entityId);
        if (await machine.ReplayAsync(requestId, command, CancellationToken.None) is { } replayed)
        {
            return replayed;
        }

        var route = machine.RouteOf(requestId, command, askPeers ? _ => true : null);
        foreach (var (peer, amount) in route.Asks)
        {
            Send(new ShareAsk(Name, peer, entityId, amount));
        }

        if (!route.CoveredHere && !string.Equals(route.Decider, Name, StringComparison.Ordinal))
        {
            return await ForwardAsync(machine, route.Decider, requestId, command);
        }

        return await machine.DecideHereAsync(requestId, command, route);
    }

    public void Tick()
    {
        if (!IsUp)
        {
            return;
        }

        _ = _sim.Scheduler.Start(ShipAsync);
    }

    public void AntiEntropy()
    {
        if (!IsUp)
        {
            return;
        }

        foreach (var peer in _options.Peers)
        {
            Send(new DigestRequest(Name, peer));
        }
    }

    public void Receive(Message message)
    {
        if (!IsUp)
        {
            return;
        }

        var epoch = Epoch;
        _ = _sim.Scheduler.Start(async () =>
        {
            try
            {
                await HandleAsync(message, epoch);
            }
            catch (Exception ex) when (ex is ConcordException or EventLogConflictException)
            {
                _sim.Trace($"{Name} handling {message.GetType().Name} from {message.From} failed: {ex.GetType().Name}");
            }
        });
    }

    /// <summary>What keeps this region from quiescence, for a failing run's report.</summary>
    public async Task<string> WhyNotQuiescentAsync()
    {
        var head = await Store.GetFeedHeadAsync(Name);
        var reasons = new List<string>();
        if (IsRecovering)
        {
            reasons.Add("recovering");
        }

        reasons.AddRange(_feeds.Where(c => c.Value.Acked < head).Select(c => $"{c.Key} acked {c.Value.Acked} of {head}"));
        foreach (var replica in _replicas.Values.Where(r => r.IsCompletedSuccessfully && r.Result.Replica.Buffered > 0))
        {
            reasons.Add($"{replica.Result.EntityId} waits on [{string.Join(", ", replica.Result.Replica.Waiting.Select(e => $"{e.Origin}#{e.Seq}"))}] holding {replica.Result.Version}");
        }

        return reasons.Count == 0 ? "quiet" : string.Join("; ", reasons);
    }

    /// <summary>Whether every local event reached every peer and nothing waits in a causal buffer.</summary>
    public async Task<bool> IsQuiescentAsync()
    {
        var head = await Store.GetFeedHeadAsync(Name);
        if (IsRecovering || _feeds.Values.Any(c => c.Acked < head))
        {
            return false;
        }

        foreach (var replica in _replicas.Values)
        {
            if (replica.IsCompletedSuccessfully && replica.Result.Replica.Buffered > 0)
            {
                return false;
            }
        }

        return true;
    }

    private async Task<IEntityStateMachine> ActivateAsync(string entityId)
    {
        var type = _sim.Types.Of(entityId, out var key);
        IEntityStateMachine machine = type switch
        {
            EntityTypeRuntime<AccountState> accounts => New(accounts, key, CreditTransfersAsync),
            EntityTypeRuntime<HandleState> handles => New(handles, key, BindClaimsAsync),
            EntityTypeRuntime<VenueState> venues => New(venues, key, (_, _) => Task.CompletedTask),
            _ => throw new InvalidOperationException($"The simulator hosts no entity type {type.Name}."),
        };
        await machine.LoadAsync(null, CancellationToken.None);
        return machine;
    }

    /// <summary>A replica as its grain activates one; <paramref name="afterCommit"/> is the type's derived work in this region.</summary>
    private EntityStateMachine<TState> New<TState>(EntityTypeRuntime<TState> runtime, string key, Func<EntityStateMachine<TState>, IReadOnlyList<LoggedEvent>, Task> afterCommit)
        where TState : class
    {
        EntityStateMachine<TState>? machine = null;
        var entityId = runtime.EntityIdOf(key);
        machine = new EntityStateMachine<TState>(
            runtime,
            key,
            _options,
            _clock,
            Store,
            Time,
            _metrics,
            _logger,
            committed => afterCommit(machine!, committed),
            _ =>
            {
                // As the grain deactivates: the next call activates from what the store holds.
                if (_replicas.TryGetValue(entityId, out var current) && current.IsCompletedSuccessfully && current.Result == machine)
                {
                    _replicas.Remove(entityId);
                }
            },
            localWritesRefused: () => IsRecovering ? "it restarted without its last commits and is taking them back from its peers" : null);
        return machine;
    }

    private void Send(Message message) => _sim.Send(message with { Incarnation = Epoch });

    private async Task HandleAsync(Message message, int epoch)
    {
        if (message is RecoveryRequest asked)
        {
            _fencedBelow[asked.From] = Math.Max(_fencedBelow.GetValueOrDefault(asked.From), asked.Incarnation);
        }
        else if (message is ReplicationBatch or Repairs or ForwardedReply && message.Incarnation < _fencedBelow.GetValueOrDefault(message.From))
        {
            // Sent before the sender lost commits and asked for them back: what it carries may no longer exist there.
            return;
        }

        switch (message)
        {
            case ReplicationBatch batch:
                if (await ApplyAsync(batch.Events))
                {
                    Send(new ReplicationAck(Name, batch.From, await DurableThroughAsync(batch), batch.Incarnation));
                }

                break;
            case ReplicationAck ack when ack.BatchIncarnation != Epoch:
                // It answers a batch shipped before this region crashed: its positions may name events the store has
                // lost since and the feed now fills anew (a replicator grain's call dies with its activation).
                break;
            case ReplicationAck ack:
                _feeds[ack.From].Acknowledge(ack.FeedPosition);
                if (_feeds[ack.From].Acked >= _shippedThrough[ack.From])
                {
                    // All of it is held there: ship the next batch at once. What it only buffered waits for the resend.
                    _resendAt[ack.From] = 0;
                }

                break;
            case DigestRequest request:
                Send(new DigestReply(Name, request.From, await Store.GetDigestAsync()));
                break;
            case DigestReply reply when AntiEntropyRepairs.BucketsToCompare(await Store.GetDigestAsync(), reply.Digest) is { Count: > 0 } buckets:
                Send(new BucketRequest(Name, reply.From, buckets));
                break;
            case BucketRequest request:
                var versions = new SortedDictionary<int, IReadOnlyList<EntityVersion>>();
                foreach (var bucket in request.Buckets)
                {
                    versions[bucket] = await Store.ListBucketAsync(bucket);
                }

                Send(new BucketReply(Name, request.From, versions));
                break;
            case BucketReply reply:
                var owed = _repairs[reply.From];
                foreach (var (bucket, peerBucket) in reply.Versions)
                {
                    await owed.CompareBucketAsync(bucket, peerBucket, CancellationToken.None);
                }

                while (owed.Count > 0)
                {
                    Send(new Repairs(Name, reply.From, await owed.TakeRepairsAsync(CancellationToken.None)));
                }

                break;
            case Repairs repairs:
                await ApplyAsync(repairs.Events);
                break;
            case RecoveryRequest request:
                await AnswerRecoveryAsync(request);
                break;
            case RecoveryReply reply when _awaitingRecovery.Contains(reply.From):
                await TakeBackAsync(reply);
                break;
            case ForwardedStrict forwarded:
                await AnswerForwardedAsync(forwarded, epoch);
                break;
            case ForwardedReply reply:
                if (_calls.Remove(reply.CallId, out var call))
                {
                    call.TrySetResult(reply);
                }

                break;
            case ShareAsk ask:
                var machine = await ReplicaAsync(ask.EntityId);
                var give = machine.GiveableShare(ask.Amount);
                if (give > 0)
                {
                    await machine.GiveShareAsync(ask.From, give, DerivedRequestIds.Of("escrow-give", $"{ask.From}-{Name}-{++_shareGifts}-e{Epoch}"));
                }

                break;
        }
    }

    /// <summary>The feed position through which a batch is durable here, as the silo's inbox answers (<see cref="OutboundFeedCursor.DurableThrough"/>).</summary>
    private async Task<long> DurableThroughAsync(ReplicationBatch batch)
    {
        var versions = new Dictionary<string, VersionVector>(StringComparer.Ordinal);
        foreach (var entity in batch.Events.Select(e => e.EntityId).Distinct(StringComparer.Ordinal))
        {
            versions[entity] = (await ReplicaAsync(entity)).Version;
        }

        var first = batch.LastFeedPosition - batch.Events.Count + 1;
        return OutboundFeedCursor.DurableThrough([.. batch.Events.Select((e, i) => new FeedEntry(first + i, e))], e => versions[e.EntityId][e.Origin] >= e.Seq);
    }

    /// <summary>Applies events of many entities, each entity's in the order given; true when every replica took its events.</summary>
    private async Task<bool> ApplyAsync(IReadOnlyList<EventEnvelope> events)
    {
        var all = true;
        foreach (var group in events.GroupBy(e => e.EntityId, StringComparer.Ordinal))
        {
            var machine = await ReplicaAsync(group.Key);
            var (rejected, _, _) = await machine.ApplyRemoteAsync([.. group]);
            if (rejected > 0)
            {
                _sim.Trace($"{Name} refused {rejected} event(s) of {group.Key}");
                all = false;
            }
        }

        return all;
    }

    /// <summary>
    /// Whether every event taken back that can apply here has: per (entity, origin), the store holds the next sequence
    /// after its head only if no peer sent it. An event whose predecessor no peer holds can never apply anywhere, and is
    /// refused by its chain once this region writes that sequence anew.
    /// </summary>
    private async Task ShipAsync()
    {
        foreach (var peer in _options.Peers)
        {
            if (_sim.Clock.NowMs < _resendAt[peer])
            {
                continue;
            }

            var feed = await _feeds[peer].NextBatchAsync();
            if (feed.Count == 0)
            {
                continue;
            }

            _resendAt[peer] = _sim.Clock.NowMs + ResendAfterMs;
            _shippedThrough[peer] = feed[^1].FeedPosition;
            Send(new ReplicationBatch(Name, peer, [.. feed.Select(f => f.Event)], feed[^1].FeedPosition));
        }
    }

    private async Task<EntityReceipt> ForwardAsync(IEntityStateMachine machine, string decider, string requestId, object command)
    {
        var callId = ++_nextCall;
        var call = new TaskCompletionSource<ForwardedReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[callId] = call;
        _sim.After(ForwardTimeoutMs, () =>
        {
            if (_calls.Remove(callId, out var late))
            {
                late.TrySetException(new CoordinationUnavailableException(machine.EntityId, decider, "no answer within the bound"));
            }
        });
        Send(new ForwardedStrict(Name, decider, callId, machine.EntityId, requestId, command));
        ForwardedReply reply;
        try
        {
            reply = await call.Task;
        }
        catch (CoordinationUnavailableException)
        {
            // As the grain does: the retry goes back to the decider, which may have decided it.
            machine.Unanswered.Unanswered(requestId, decider);
            throw;
        }

        machine.Unanswered.Answered(requestId);
        if (reply.Refusal is { } refusal)
        {
            throw new SimulatedRefusalException(refusal);
        }

        // Read-your-writes in the region that asked; replication would bring the event anyway.
        await machine.ApplyRemoteAsync(reply.Events);
        return new EntityReceipt(machine.EntityId, [.. reply.Events.Select(e => e.Id)], machine.Position, Replayed: false, reply.From);
    }

    private async Task AnswerForwardedAsync(ForwardedStrict forwarded, int epoch)
    {
        IReadOnlyList<EventEnvelope> events = [];
        string? refusal = null;
        try
        {
            var machine = await ReplicaAsync(forwarded.EntityId);
            if (!string.Equals(machine.DeciderOf(forwarded.Command), Name, StringComparison.Ordinal))
            {
                throw new CoordinationUnavailableException(forwarded.EntityId, Name, "not the decider here");
            }

            var receipt = await ExecuteAsync(forwarded.EntityId, forwarded.RequestId, forwarded.Command, askPeers: true);
            var found = new List<EventEnvelope>();
            foreach (var id in receipt.Events)
            {
                if (await Store.FindAsync(id) is { } logged)
                {
                    found.Add(logged.Event);
                }
            }

            events = found;
        }
        catch (ConcordException ex)
        {
            refusal = ex.GetType().Name;
        }

        if (Epoch == epoch)
        {
            Send(new ForwardedReply(Name, forwarded.From, forwarded.CallId, events, refusal));
        }
    }

    /// <summary>The transfer processor: the source account's home region credits the destination of every debit, once by request id.</summary>
    private Task CreditTransfersAsync(EntityStateMachine<AccountState> account, IReadOnlyList<LoggedEvent> committed)
    {
        if (!account.IsHome)
        {
            return Task.CompletedTask;
        }

        foreach (var logged in committed)
        {
            if (logged.Event.Payload is Debited { To.Length: > 0 } debit)
            {
                var epoch = Epoch;
                _ = _sim.Scheduler.Start(() => CreditAsync(account.EntityId, logged.Event, debit, epoch));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>At the handles' primary, after every change: the oldest tentative claim that may win is bound, outside the commit loop (the grain's resolve timer).</summary>
    private Task BindClaimsAsync(EntityStateMachine<HandleState> handle, IReadOnlyList<LoggedEvent> committed)
    {
        if (handle.IsHome && handle.State.NextClaimToBind is { } claimId)
        {
            var epoch = Epoch;
            _ = _sim.Scheduler.Start(() => BindClaimAsync(handle.EntityId, claimId, epoch));
        }

        return Task.CompletedTask;
    }

    private async Task BindClaimAsync(string handle, string claimId, int epoch)
    {
        if (!IsUp || Epoch != epoch)
        {
            return;
        }

        try
        {
            await ExecuteAsync(handle, DerivedRequestIds.Of(ResolveClaim.Purpose, claimId), new ResolveClaim(claimId));
        }
        catch (ConcordException ex)
        {
            _sim.Trace($"{Name} binding claim {claimId} of {handle} failed: {ex.GetType().Name}; re-driven at restart");
        }
    }

    /// <summary>
    /// Re-drives the derived work of the entities homed here (the processor's and the resolve timer's catch-up): the
    /// credit of every debit, and the binding of every claim that may win. Dedupe by request id makes both idempotent.
    /// </summary>
    public async Task CatchUpDerivedAsync()
    {
        foreach (var entityId in await Store.ListEntitiesAsync(null, int.MaxValue))
        {
            if (!IsUp)
            {
                // Crashed meanwhile: the restart re-drives it all.
                return;
            }

            if (HomeOf(entityId) != Name)
            {
                continue;
            }

            if (await ReplicaAsync(entityId) is EntityStateMachine<HandleState> { State.NextClaimToBind: { } claimId })
            {
                await BindClaimAsync(entityId, claimId, Epoch);
                continue;
            }

            foreach (var logged in await LogFollower.ReadAllAsync(Store, entityId, CancellationToken.None))
            {
                if (logged.Event.Payload is Debited { To.Length: > 0 } debit)
                {
                    await CreditAsync(entityId, logged.Event, debit, Epoch);
                }
            }
        }
    }

    private async Task CreditAsync(string account, EventEnvelope debitEvent, Debited debit, int epoch)
    {
        if (!IsUp || Epoch != epoch)
        {
            return;
        }

        try
        {
            await ExecuteAsync(debit.To, TransferCredit.CreditRequestIdFor(account, debitEvent.RequestId), new Credited(debit.Amount, debitEvent.Id));
        }
        catch (ConcordException ex)
        {
            _sim.Trace($"{Name} credit of {debitEvent.Id} failed: {ex.GetType().Name}; re-driven at restart");
        }
    }
}

/// <summary>A typed refusal home sent back for a forwarded command.</summary>
internal sealed class SimulatedRefusalException(string refusal) : Exception(refusal)
{
    public string Refusal { get; } = refusal;
}
