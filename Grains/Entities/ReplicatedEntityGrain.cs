using System.Collections.Immutable;
using Concord.Grains.Constraints;
using Concord.Grains.Derived;
using Concord.Grains.Diagnostics;
using Concord.Grains.Events;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.Transactions;

namespace Concord.Grains.Entities;

/// <summary>
/// The base of a replicated entity's grain: one entity's replica in this region, hosting the entity type's fold
/// and command handler. A user's grain derives from it, adds its own interface, and turns each command into
/// <see cref="ExecuteAsync"/>; reads use <see cref="State"/>. Everything else, from chains and group commit to
/// forwarding strict commands home and apologising there, happens here. Mark the derived grain
/// <c>[Reentrant]</c> to let concurrent commands share one append: every decision is made in a synchronous
/// section against the state including staged events, so interleaving is safe.
/// </summary>
public abstract partial class ReplicatedEntityGrain<TState> : Grain, IReplicatedEntityGrain, ISessionReplica
    where TState : class
{
    // What session waits wake on: made by the first waiter, completed and dropped when the next group of events is
    // durable. Null while nobody waits, so the write path allocates nothing for it.
    private TaskCompletionSource? _progress;
    private EntityTypeRuntime<TState> _runtime = null!;
    private EntityTypeRegistry _registry = null!;
    private EntityStateMachine<TState> _machine = null!;
    private IEventLogStore _store = null!;
    private IEventPublisher _publisher = null!;
    private ConcordOptions _options = null!;
    private ILogger _logger = null!;
    private const string SnapshotStateName = "entity-snapshot";
    private readonly GrainState<EntitySnapshot> _snapshot = new();
    private readonly List<ApologyNotice> _unrecordedApologies = [];
    private IGrainStorage _snapshots = null!;
    private IReadOnlyList<IEntityViewRuntime> _views = [];
    private Recovery.WaitingEventsRegistry _waiting = null!;

    // Whether the silo's registry lists this replica as holding waiting events; told only when that changes, so the
    // replication apply path pays nothing for it.
    private bool _listedAsWaiting;
    private DerivedRepair _repair = null!;
    private string? _invalidKeyMessage;

    // Made once: the command path passes it to every strict routing without allocating.
    private Func<string, bool> _mayAsk = null!;

    /// <summary>The state folded from every durable event this region holds.</summary>
    protected TState State => _machine.State;

    /// <summary>
    /// What decisions see: <see cref="State"/> with every event staged for the group commit but not yet durable
    /// folded in. Check a rule outside <see cref="Decide"/> against this, never against <see cref="State"/>.
    /// </summary>
    protected TState DecisionState => Decidable;

    /// <summary>The entity's key (the grain's primary key).</summary>
    protected string Key => this.GetPrimaryKeyString();

    /// <summary>The entity's id in logs and replication: <c>type/key</c> (the bare key for the ledger's accounts).</summary>
    protected string EntityId => _runtime.EntityIdOf(Key);

    /// <summary>This region.</summary>
    protected string Region => _options.Region;

    /// <summary>Where strict commands of this entity are decided and its apologies made.</summary>
    protected string HomeRegion => _machine.HomeRegion;

    /// <summary>Per origin, the highest event folded into <see cref="State"/>.</summary>
    protected VersionVector Version => _machine.Fold.Version;

    /// <summary>The position of the last event folded into <see cref="State"/> in this region's log.</summary>
    protected long Position => _machine.Fold.Position;

    /// <summary>Per origin, the highest event received from a peer that waits for its causal past before it can be applied.</summary>
    protected VersionVector HighestBuffered => _machine.Replica.HighestWaiting();

    /// <summary>What decisions see: the durable state with every staged event (local or remote) folded in, in commit order.</summary>
    private TState Decidable => _machine.Decidable;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var services = ServiceProvider;
        _registry = services.GetRequiredService<EntityTypeRegistry>();
        _runtime = _registry.OfGrainClass(GetType()) as EntityTypeRuntime<TState>
            ?? throw new ConcordConfigurationException($"{GetType().Name} is not a registered entity grain: call siloBuilder.AddReplicatedEntity<{GetType().Name}, {typeof(TState).Name}>(...).");
        _store = services.GetRequiredService<IEventLogStore>();
        _publisher = services.GetRequiredService<IEventPublisher>();
        _options = services.GetRequiredService<IOptions<ConcordOptions>>().Value;
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());
        _views = _registry.ViewsOf(_runtime.Name);
        _mayAsk = peer => services.GetRequiredService<EscrowAskBackoff>().MayAsk(peer);
        _waiting = services.GetRequiredService<Recovery.WaitingEventsRegistry>();
        var gate = services.GetRequiredService<Recovery.RegionWriteGate>();
        var entityId = _runtime.EntityIdOf(Key);
        var metrics = services.GetRequiredService<ConcordMetrics>();
        _repair = new DerivedRepair(
            () => _machine.Log.Position,
            CatchUpAllDerivedAsync,
            (ex, target) => LogRepairFailed(ex, EntityId, target),
            settled => metrics.DerivedRepairPassed(Region, _runtime.Name, settled));
        _machine = new EntityStateMachine<TState>(
            _runtime,
            Key,
            _options,
            services.GetRequiredService<HybridLogicalClock>(),
            _store,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            metrics,
            _logger,
            AfterCommitAsync,
            OnLogFault,
            services.GetRequiredService<LocalFeedSignal>(),
            () => gate.RefusalFor(entityId));
        if (!_runtime.IsValidKey(Key))
        {
            // The machine stays empty: every call is refused before it reaches it.
            _invalidKeyMessage = $"'{Key}' is not a valid key of entity type '{_runtime.Name}'.";
            return;
        }

        _snapshots = services.GetRequiredKeyedService<IGrainStorage>(ConcordStorage.Name);
        await _snapshots.ReadStateAsync(SnapshotStateName, this.GetGrainId(), _snapshot);

        // Loading completes any apology a crash left owed between a violation and its apology.
        await _machine.LoadAsync(_snapshot.RecordExists ? _snapshot.State : null, cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_listedAsWaiting)
        {
            // What waited here is gone with the activation; peers resend it.
            _waiting.Track(EntityId, 0);
        }

        if (_repair is { IsArmed: true } && _invalidKeyMessage is null && _machine is { Log.IsFaulted: false } && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            // Hand the views their catch-up before going away, bounded by the deactivation timeout.
            await _repair.RunAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Decides <paramref name="command"/> once per <paramref name="requestId"/>: optimistic commands here, strict ones
    /// at the entity's home (forwarded with a bound; <see cref="CoordinationUnavailableException"/> and nothing
    /// appended when home does not answer). Completes when the event is durable. A retry returns the original receipt.
    /// </summary>
    protected Task<EntityReceipt> ExecuteAsync(string requestId, object command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        EntityKeys.RequireRequestId(requestId);
        return ExecuteCoreAsync(requestId, command, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="ExecuteAsync"/> for a command this grain issues itself, under the request id
    /// <c>purpose/basis</c>: no client can take it first, since client request ids never hold a '/'. Use it for
    /// decisions derived from other requests (the second half of a two-entity change, a recovery).
    /// </summary>
    protected Task<EntityReceipt> ExecuteDerivedAsync(string purpose, string basis, object command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        return ExecuteCoreAsync(DerivedRequestIds.Of(purpose, basis), command, cancellationToken);
    }

    /// <summary>Like <see cref="ExecuteDerivedAsync"/> under a derived request id the ledger formed before it existed (<c>source/request</c>).</summary>
    internal Task<EntityReceipt> ExecuteUnderDerivedIdAsync(string requestId, object command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        return ExecuteCoreAsync(requestId, command, cancellationToken);
    }

    private async Task<EntityReceipt> ExecuteCoreAsync(string requestId, object command, CancellationToken cancellationToken, bool askPeers = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (await _machine.ReplayAsync(requestId, command, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        using var traced = StartCommandSpan(command, requestId);
        var route = _machine.RouteOf(requestId, command, askPeers ? _mayAsk : null);
        AskForShare(route.Asks);
        if (!route.CoveredHere && !string.Equals(route.Decider, Region, StringComparison.Ordinal))
        {
            traced?.SetTag("concord.decider", route.Decider);
            return await ForwardAsync(route.Decider, requestId, command, cancellationToken);
        }

        var context = _machine.BeginDecision(requestId, route.Mode);
        var decision = _machine.DecidesAtHome(route)
            ? DecideStrictAsync(Decidable, command, context, cancellationToken)
            : Task.FromResult(Decide(Decidable, command, context));
        using var append = StartAppendSpan(traced, requestId);
        return await _machine.CommitDecisionAsync(requestId, decision, route.Spend);
    }

    /// <summary>
    /// Decides a strict command at home, against the state including staged events. The default is the entity type's
    /// <see cref="ReplicatedEntityType{TState}.Decide"/>. Override it to make a decision binding beyond this entity
    /// before its event is appended, for example in an Orleans transaction over records of several entities: what it
    /// returns is appended, and when it throws nothing is (a transaction that aborts over a typed refusal, such as a
    /// <see cref="ConcordException"/>, surfaces as that refusal). A transaction that commits while its append is lost (a crash
    /// in between) is this grain's to reconcile, typically in <c>OnActivateAsync</c> after the base's.
    /// </summary>
    protected virtual Task<object?> DecideAtHomeAsync(TState state, object command, CommandContext context, CancellationToken cancellationToken) =>
        Task.FromResult(Decide(state, command, context));

    /// <summary>
    /// Decides a command in this region: optimistic ones wherever they arrive, strict ones at home (through
    /// <see cref="DecideAtHomeAsync"/>). The default is the entity type's <see cref="ReplicatedEntityType{TState}.Decide"/>.
    /// Override it for a rule on state the grain keeps outside the fold, such as funds reserved for a pending
    /// decision elsewhere; it runs in a synchronous section, so such state cannot change under it.
    /// </summary>
    protected virtual object? Decide(TState state, object command, CommandContext context) => _runtime.Type.Decide(state, command, context);

    /// <summary>
    /// Brings derived state the grain keeps itself (grains it feeds outside registered views) up to
    /// <paramref name="target"/>; true when all of it is there. Called after commits by the repair pass, which
    /// retries until it is true. The default has nothing to catch up.
    /// </summary>
    protected virtual Task<bool> CatchUpDerivedAsync(long target, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>
    /// Hears every group of events as it becomes durable here, local or replicated, in log order and before the log
    /// feed publishes it: for the silo's own derived state that is fed directly rather than by the feed.
    /// </summary>
    private protected virtual void OnCommitted(IReadOnlyList<LoggedEvent> committed)
    {
    }

    /// <summary>A page of this entity's events in this region's log, from <paramref name="fromPosition"/> (1-based).</summary>
    protected async Task<IReadOnlyList<LoggedEvent>> ReadEventsAsync(long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        await _store.ReadAsync(EntityId, fromPosition, maxCount, cancellationToken);

    /// <summary>One event of any entity in this region's log, or null when this region does not hold it.</summary>
    protected async Task<EventEnvelope?> FindEventAsync(Interfaces.Events.EventId id, CancellationToken cancellationToken = default) =>
        (await _store.FindAsync(id, cancellationToken))?.Event;

    /// <summary>Called after every group of events becomes durable here, local or replicated; must not wait on this grain's appends.</summary>
    protected virtual void OnStateChanged()
    {
    }

    /// <summary>Whether a request id took effect in this region's log, and which event carries it.</summary>
    protected bool TryGetDecision(string requestId, out Interfaces.Events.EventId eventId)
    {
        var found = _machine.Fold.TryGetRequest(requestId, out var winner);
        eventId = winner.Id;
        return found;
    }

    /// <summary>True in the entity's home region, where strict commands are decided and apologies made.</summary>
    protected bool IsHome => string.Equals(HomeRegion, Region, StringComparison.Ordinal);

    /// <summary>A strict decision at home; an Orleans transaction in it that aborts is counted, and a typed refusal inside it rethrown as itself.</summary>
    private async Task<object?> DecideStrictAsync(TState state, object command, CommandContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await DecideAtHomeAsync(state, command, context, cancellationToken);
        }
        catch (OrleansTransactionAbortedException ex)
        {
            ServiceProvider.GetRequiredService<ConcordMetrics>().TransactionAborted(Region, _runtime.Name);
            if (ex.InnerException is ConcordException refusal)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refusal);
            }

            throw;
        }
    }

    public async Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();

        // The machine refuses the whole call before anything is staged if a new event cannot be read here (the inbox's
        // check, repeated because this grain trusts no caller).
        var (rejected, dropped, copies) = await _machine.ApplyRemoteAsync(events);
        if (rejected + dropped > 0)
        {
            LogRemoteRefused(EntityId, rejected, dropped);
        }

        ListWaiting();
        return new RemoteApplyResult(_machine.Fold.Version, _machine.Replica.Buffered, rejected, copies);
    }

    public Task ResumeLocalWritesAsync(CancellationToken cancellationToken = default)
    {
        if (_invalidKeyMessage is null)
        {
            _machine.Apologise();
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken = default)
    {
        ImmutableArray<EventEnvelope> taken = [.. _machine.Replica.HandBackWaiting(origin)];
        ListWaiting();
        return Task.FromResult(taken);
    }

    private void ListWaiting()
    {
        // Events handed back keep the entity listed: the asker asks again when an answer was lost.
        var held = _machine.Replica.Buffered + _machine.Replica.HandedBack;
        var waiting = held > 0;
        if (waiting != _listedAsWaiting)
        {
            _waiting.Track(EntityId, held);
            _listedAsWaiting = waiting;
        }
    }

    public async Task<ForwardedCommandResult> ExecuteForwardedAsync(ForwardedCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        if (command.Command is EscrowShareRequest ask)
        {
            return await GiveShareAsync(ask);
        }

        if (_machine.DeciderOf(command.Command) is var decider && !string.Equals(decider, Region, StringComparison.Ordinal))
        {
            // Never forward again: regions that disagree on the region list must not bounce a command around.
            throw new CoordinationUnavailableException(EntityId, decider, $"region '{command.FromRegion}' sent it to '{Region}', which finds '{decider}' decides it; the regions' lists or views differ.");
        }

        // The client's session travels with the command (links carry no request context), so home decides with it applied.
        if (SessionTokens.TryReadDependency(command.SessionDependency, EntityId, out var required))
        {
            await ((ISessionReplica)this).AwaitSessionAsync(required);
        }

        // The region that forwarded it has asked its peers for share already, for itself, unless it never decides strictly.
        var receipt = await ExecuteCoreAsync(DerivedRequestIds.RequireClientOrDerived(command.RequestId), command.Command, cancellationToken, askPeers: !_options.EscrowLocalDecisions);
        var events = ImmutableArray.CreateBuilder<EventEnvelope>(receipt.Events.Length);
        foreach (var id in receipt.Events)
        {
            if (await _store.FindAsync(id, cancellationToken) is { } logged)
            {
                events.Add(logged.Event);
            }
        }

        return new ForwardedCommandResult(receipt, events.ToImmutable());
    }

    public async Task<ReplicaAuditState> GetAuditStateAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var replica = new EntityAuditState(_machine.Fold.Position, PayloadTypes.CanonicalOf(_machine.Fold.State));
        var stored = new GrainState<EntitySnapshot>();
        await _snapshots.ReadStateAsync(SnapshotStateName, this.GetGrainId(), stored);
        return new ReplicaAuditState(replica, stored.RecordExists ? stored.State : null);
    }

    private async Task<EntityReceipt> ForwardAsync(string decider, string requestId, object command, CancellationToken cancellationToken)
    {
        ForwardedCommandResult result;
        try
        {
            result = await HomeRegionCall.InvokeAsync(
                ServiceProvider,
                decider,
                EntityId,
                _options.StrictForwardTimeout,
                (link, ct) => link.ForwardCommandAsync(new ForwardedCommand(EntityId, requestId, command, Region, SessionDependencyOfCaller()), ct),
                cancellationToken);
        }
        catch (CoordinationUnavailableException)
        {
            // No answer: the decider may have decided it. The retry goes back there.
            _machine.Unanswered.Unanswered(requestId, decider);
            throw;
        }
        catch (ConcordException)
        {
            _machine.Unanswered.Answered(requestId);
            throw;
        }

        _machine.Unanswered.Answered(requestId);
        if (!result.Events.IsDefaultOrEmpty)
        {
            try
            {
                // Read-your-writes in the region that asked; replication would bring the event anyway.
                await _machine.ApplyRemoteAsync(result.Events);
            }
            catch (Exception ex)
            {
                LogForwardedApplyFailed(ex, EntityId);
            }
        }

        // The home's position means nothing here: answer with this region's, once its copy of the event is applied.
        var receipt = result.ReceiptAs<EntityReceipt>();
        return receipt.Events.Length == 1 && _machine.Fold.TryGetRequest(requestId, out var applied) && applied.Id == receipt.Events[0]
            ? receipt with { Position = applied.Position, AnsweredBy = Region }
            : receipt;
    }

    /// <summary>The calling client's session dependency on this entity, if its call carried one.</summary>
    private string? SessionDependencyOfCaller() =>
        SessionTokens.TryReadDependency(RequestContext.Get(SessionTokens.RequestContextKey), EntityId, out var required)
            ? SessionTokens.DependencyOf(EntityId, required)
            : null;

    /// <summary>After the machine folded a group of durable events (and appended what home owes for them).</summary>
    private async Task AfterCommitAsync(IReadOnlyList<LoggedEvent> committed)
    {
        if (_progress is { } progressed)
        {
            _progress = null;
            progressed.TrySetResult();
        }

        OnCommitted(committed);
        _unrecordedApologies.AddRange(committed.Where(l => ApologyRequests.IsApology(l.Event)).Select(l => NoticeOf(l.Event)));
        await RecordApologiesAsync();
        await SnapshotIfDueAsync();
        try
        {
            await _publisher.PublishAsync(StreamNames.EntityLog(_runtime.Name), EntityId, committed);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, EntityId);
        }

        if (_views.Count > 0 || _runtime.HasOwnDerivedState)
        {
            _repair.Arm(this, _options.DerivedRepairDelay);
        }

        OnStateChanged();
    }

    /// <summary>An apology's line in the feed: a built-in apology describes itself and names whom it is owed to.</summary>
    private ApologyNotice NoticeOf(EventEnvelope e) => e.Payload switch
    {
        IApologyPayload apology => new ApologyNotice(e.Id, e.Hlc, e.Payload.Kind, $"{EntityId}: {apology.Describe()}", apology.OwedTo),
        JsonEventPayload json => new ApologyNotice(e.Id, e.Hlc, e.Payload.Kind, $"{EntityId}: {json.CanonicalJson}"),
        var other => new ApologyNotice(e.Id, e.Hlc, other.Kind, $"{EntityId}: {other.Kind}"),
    };

    /// <summary>Whether every view of this entity, and the grain's own derived state, caught up with its log to <paramref name="target"/>.</summary>
    // Only the views this silo does not know to be at the target are called (Derived.DerivedPositions).
    private async Task<bool> CatchUpAllDerivedAsync(long target, CancellationToken cancellationToken) =>
        (await Task.WhenAll(_views.Select(v => DerivedPositions.CatchUpAsync(v.Name, EntityId, target,
            () => _registry.ViewGrainOf(GrainFactory, v, EntityId).CatchUpAsync(target, cancellationToken))))).All(caughtUp => caughtUp)
        && await CatchUpDerivedAsync(target, cancellationToken);

    /// <summary>How far this silo's derived consumers are known to have folded (a repair pass calls only those behind).</summary>
    private protected Derived.DerivedPositions DerivedPositions => ServiceProvider.GetRequiredService<Derived.DerivedPositions>();

    /// <summary>Shows every apology this region's log received in the region's apology feed; a failed notice waits for the next commit.</summary>
    private async Task RecordApologiesAsync()
    {
        try
        {
            while (_unrecordedApologies.Count > 0)
            {
                // The feed de-duplicates by event id, so a notice retried after a failure is recorded once.
                await GrainFactory.GetGrain<IApologyFeedGrain>(0).RecordAsync(_unrecordedApologies[0]);
                _unrecordedApologies.RemoveAt(0);
            }
        }
        catch (Exception ex)
        {
            LogApologyFeedFailed(ex, EntityId, _unrecordedApologies.Count);
        }
    }

    private async Task SnapshotIfDueAsync()
    {
        var covered = _snapshot is { RecordExists: true, State: { } stored } ? stored.Position : 0;
        if (_machine.Fold.Position - covered < _options.SnapshotInterval)
        {
            return;
        }

        try
        {
            _snapshot.State = _machine.Fold.ToSnapshot();
            await _snapshots.WriteStateAsync(SnapshotStateName, this.GetGrainId(), _snapshot);
        }
        catch (Exception ex)
        {
            // An optimisation only: the next activation folds a longer tail.
            LogSnapshotFailed(ex, EntityId, _machine.Fold.Position);
        }
    }

    private void OnLogFault(Exception ex)
    {
        LogAppendFailed(ex, EntityId);
        DeactivateOnIdle();
    }

    /// <summary>Throws <see cref="InvalidRequestException"/> when this grain's key is not a valid key of the entity type.</summary>
    protected void EnsureValidKey()
    {
        if (_invalidKeyMessage is not null)
        {
            throw new InvalidRequestException(_runtime.Name, _invalidKeyMessage);
        }
    }
}
