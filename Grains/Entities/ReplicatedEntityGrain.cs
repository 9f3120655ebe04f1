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
    private readonly Dictionary<string, Task<LoggedEvent?>> _inFlight = new(StringComparer.Ordinal);
    private EntityTypeRuntime<TState> _runtime = null!;
    private EntityTypeRegistry _registry = null!;
    private EntityFold<TState> _fold = null!;
    private GroupCommitLog _log = null!;
    private EntityReplica _replica = null!;
    private IEventLogStore _store = null!;
    private IEventPublisher _publisher = null!;
    private ConcordOptions _options = null!;
    private ILogger _logger = null!;
    private const string SnapshotStateName = "entity-snapshot";
    private readonly GrainState<EntitySnapshot> _snapshot = new();
    private readonly List<EventEnvelope> _staged = [];
    private readonly List<ApologyNotice> _unrecordedApologies = [];
    private HybridLogicalClock _clock = null!;
    private TState _speculative = null!;
    private IGrainStorage _snapshots = null!;
    private IReadOnlyList<IEntityViewRuntime> _views = [];
    private DerivedRepair _repair = null!;
    private bool _refold;
    private string? _invalidKeyMessage;

    /// <summary>The state folded from every durable event this region holds.</summary>
    protected TState State => _fold.State;

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
    protected string HomeRegion { get; private set; } = string.Empty;

    /// <summary>Per origin, the highest event folded into <see cref="State"/>.</summary>
    protected VersionVector Version => _fold.Version;

    /// <summary>The position of the last event folded into <see cref="State"/> in this region's log.</summary>
    protected long Position => _fold.Position;

    /// <summary>Per origin, the highest event received from a peer that waits for its causal past before it can be applied.</summary>
    protected VersionVector HighestBuffered => _replica.HighestWaiting();

    /// <summary>What decisions see: the durable state with every staged event (local or remote) folded in, in commit order.</summary>
    private TState Decidable => _staged.Count == 0 ? _fold.State : _speculative;

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
        _fold = new EntityFold<TState>(_runtime.Type, _runtime.Payloads, EntityId);
        _views = _registry.ViewsOf(_runtime.Name);
        _repair = new DerivedRepair(() => _log.Position, CatchUpAllDerivedAsync, (ex, target) => LogRepairFailed(ex, EntityId, target));
        if (!_runtime.IsValidKey(Key))
        {
            _invalidKeyMessage = $"'{Key}' is not a valid key of entity type '{_runtime.Name}'.";
            return;
        }

        _clock = services.GetRequiredService<HybridLogicalClock>();
        _log = new GroupCommitLog(EntityId, _store, _options.MaxGroupCommitEvents, ApplyCommitted, AfterCommitAsync, OnLogFault, services.GetRequiredService<ConcordMetrics>(), Region, services.GetRequiredService<LocalFeedSignal>());
        _replica = new EntityReplica(EntityId, Region, _clock, () => _log, () => _fold, OnStaged);
        HomeRegion = _runtime.HomeRegionOf(Key, _options.EffectiveRegions);
        if (_runtime.Escrow is not null)
        {
            _escrow = new EscrowRebalancing(Region, services.GetService<TimeProvider>() ?? TimeProvider.System, _options.EscrowAskInterval, _options.EscrowKeepWindow);
        }

        _snapshots = services.GetRequiredKeyedService<IGrainStorage>(ConcordStorage.Name);
        await LoadAsync(cancellationToken);

        _log.Initialize(_fold.Position);
        _speculative = _fold.State;

        // A crash between a violation and its apology is completed here.
        Apologise();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_repair is { IsArmed: true } && _log is { IsFaulted: false } && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
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
        if (_fold.TryGetRequest(requestId, out var done))
        {
            if (_runtime.ChecksRetries)
            {
                // Only the event id is in memory: the first attempt's payload is read back from the log.
                RequireRetryOf(requestId, command, (await _store.FindAsync(done.Id, cancellationToken))?.Event);
            }

            return new EntityReceipt(EntityId, [done.Id], done.Position, Replayed: true, Region);
        }

        if (_inFlight.TryGetValue(requestId, out var pending))
        {
            var first = await pending;
            if (_runtime.ChecksRetries)
            {
                RequireRetryOf(requestId, command, first?.Event);
            }

            return first is { } logged
                ? new EntityReceipt(EntityId, [logged.Event.Id], logged.Position, Replayed: true, Region)
                : new EntityReceipt(EntityId, [], _fold.Position, Replayed: true, Region);
        }

        var mode = _runtime.Type.ModeOf(command);
        if (!Enum.IsDefined(mode))
        {
            throw new InvalidRequestException("mode", $"Entity type '{_runtime.Name}' gave consistency mode {(int)mode} for {command.GetType().Name}.");
        }

        // A strict command goes to the region that decides it (home, unless the type names another), except that one
        // this region's escrow share covers is decided here.
        var decider = mode == ConsistencyMode.Strict ? DeciderOf(command) : Region;
        var spend = mode == ConsistencyMode.Strict && string.Equals(decider, HomeRegion, StringComparison.Ordinal) ? EscrowSpendOf(command) : 0;
        var coveredHere = spend > 0 && ShareCovers(spend, askPeers);
        if (!coveredHere && !string.Equals(decider, Region, StringComparison.Ordinal))
        {
            return await ForwardAsync(decider, requestId, command, cancellationToken);
        }

        var context = new CommandContext(EntityId, Key, requestId, mode, Region, HomeRegion, _replica.EffectiveVersion());
        var decided = mode == ConsistencyMode.Strict && IsHome && string.Equals(decider, HomeRegion, StringComparison.Ordinal)
            ? DecideAndStageAsync(requestId, DecideStrictAsync(Decidable, command, context, cancellationToken))
            : DecideAndStageAsync(requestId, Task.FromResult(Decide(Decidable, command, context)));
        _inFlight[requestId] = decided;
        try
        {
            if (await decided is not { } logged)
            {
                return new EntityReceipt(EntityId, [], _fold.Position, Replayed: false, Region);
            }

            if (spend > 0)
            {
                _escrow?.RecordSpend(spend);
            }

            return new EntityReceipt(EntityId, [logged.Event.Id], logged.Position, Replayed: false, Region);
        }
        finally
        {
            _inFlight.Remove(requestId);
        }
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
        var found = _fold.TryGetRequest(requestId, out var winner);
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

    /// <summary>Refuses a retry that carries another command than the one its request id took effect with.</summary>
    private void RequireRetryOf(string requestId, object command, EventEnvelope? first)
    {
        if (first is not null && !ApologyRequests.IsApology(first) && !_runtime.Type.IsRetryOf(command, _runtime.Payloads.ValueOf(first.Payload, EntityId)))
        {
            throw new InvalidRequestException("requestId", $"Request '{requestId}' already took effect on '{EntityId}' with a different command; use a new request id.");
        }
    }

    private async Task<LoggedEvent?> DecideAndStageAsync(string requestId, Task<object?> decision)
    {
        var payload = await decision;
        return payload is null ? null : await _replica.StageLocalAsync(requestId, _runtime.Payloads.ToLogged(payload, EntityId));
    }

    public async Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();

        // Refuse the whole call before anything is staged if any new event cannot be read here (the inbox's check,
        // repeated because this grain trusts no caller).
        foreach (var e in events)
        {
            if (string.Equals(e.EntityId, EntityId, StringComparison.Ordinal) && e.Seq > _replica.EffectiveHead(e.Origin).Seq
                && _runtime.Payloads.WhyUnreadable(e.Payload) is { } why)
            {
                throw new UnknownPayloadKindException(e.Payload.Kind, EntityId, why);
            }
        }

        var (rejected, dropped) = await _replica.ApplyRemoteAsync(events);
        if (rejected + dropped > 0)
        {
            LogRemoteRefused(EntityId, rejected, dropped);
        }

        return new RemoteApplyResult(_fold.Version, _replica.Buffered, rejected);
    }

    public async Task<ForwardedCommandResult> ExecuteForwardedAsync(ForwardedCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        if (command.Command is EscrowShareRequest ask)
        {
            return await GiveShareAsync(ask);
        }

        if (DeciderOf(command.Command) is var decider && !string.Equals(decider, Region, StringComparison.Ordinal))
        {
            // Never forward again: regions that disagree on the region list must not bounce a command around.
            throw new CoordinationUnavailableException(EntityId, decider, $"region '{command.FromRegion}' sent it to '{Region}', which finds '{decider}' decides it; the regions' lists or views differ.");
        }

        // The client's session travels with the command (links carry no request context), so home decides with it applied.
        if (SessionTokens.TryReadDependency(command.SessionDependency, out var entityId, out var required) && string.Equals(entityId, EntityId, StringComparison.Ordinal))
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

    public Task<EntityAuditState> GetAuditStateAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        return Task.FromResult(new EntityAuditState(_fold.Position, PayloadTypes.CanonicalOf(_fold.State)));
    }

    /// <summary>The region that decides a strict <paramref name="command"/> as this replica sees it.</summary>
    private string DeciderOf(object command) => _runtime.Type.DecidingRegionOf(Decidable, command, Region) ?? HomeRegion;

    private async Task<EntityReceipt> ForwardAsync(string decider, string requestId, object command, CancellationToken cancellationToken)
    {
        var result = await HomeRegionCall.InvokeAsync(
            ServiceProvider,
            decider,
            EntityId,
            _options.StrictForwardTimeout,
            (link, ct) => link.ForwardCommandAsync(new ForwardedCommand(EntityId, requestId, command, Region, SessionDependencyOfCaller()), ct),
            cancellationToken);
        if (!result.Events.IsDefaultOrEmpty)
        {
            try
            {
                // Read-your-writes in the region that asked; replication would bring the event anyway.
                await _replica.ApplyRemoteAsync(result.Events);
            }
            catch (Exception ex)
            {
                LogForwardedApplyFailed(ex, EntityId);
            }
        }

        // The home's position means nothing here: answer with this region's, once its copy of the event is applied.
        var receipt = result.ReceiptAs<EntityReceipt>();
        return receipt.Events.Length == 1 && _fold.TryGetRequest(requestId, out var applied) && applied.Id == receipt.Events[0]
            ? receipt with { Position = applied.Position, AnsweredBy = Region }
            : receipt;
    }

    /// <summary>The calling client's session dependency on this entity, if its call carried one.</summary>
    private string? SessionDependencyOfCaller() =>
        SessionTokens.TryReadDependency(RequestContext.Get(SessionTokens.RequestContextKey), out var entityId, out var required) && string.Equals(entityId, EntityId, StringComparison.Ordinal)
            ? SessionTokens.DependencyOf(entityId, required)
            : null;

    private void OnStaged(EventEnvelope e)
    {
        _speculative = _fold.Speculate(Decidable, e);
        _staged.Add(e);
    }

    private void ApplyCommitted(LoggedEvent logged)
    {
        _refold |= !_fold.Apply(logged);
        _replica.OnCommitted(logged.Event);

        // The group commit appends in staging order, so this is almost always the oldest staged event.
        var staged = _staged.FindIndex(e => e.Id == logged.Event.Id);
        if (staged >= 0)
        {
            _staged.RemoveAt(staged);
        }

        if (_staged.Count == 0)
        {
            _speculative = _fold.State;
        }
    }

    private async Task AfterCommitAsync(IReadOnlyList<LoggedEvent> committed)
    {
        if (_refold)
        {
            // A winner arrived after its loser was folded: fold the log again with the loser void.
            await RefoldAsync(CancellationToken.None);
        }

        if (_progress is { } progressed)
        {
            _progress = null;
            progressed.TrySetResult();
        }

        Apologise();
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
    private async Task<bool> CatchUpAllDerivedAsync(long target, CancellationToken cancellationToken) =>
        (await Task.WhenAll(_views.Select(v => _registry.ViewGrainOf(GrainFactory, v, EntityId).CatchUpAsync(target, cancellationToken)))).All(p => p >= target)
        && await CatchUpDerivedAsync(target, cancellationToken);

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

    /// <summary>The newest snapshot plus the log's tail; the whole log when the snapshot is missing, ahead of the log, or unreadable.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _snapshots.ReadStateAsync(SnapshotStateName, this.GetGrainId(), _snapshot);
        var head = await _store.GetHeadAsync(EntityId, cancellationToken);
        var snapshot = _snapshot.RecordExists ? _snapshot.State : null;
        var restored = snapshot is not null && snapshot.Position <= head
            ? EntityFold<TState>.FromSnapshot(_runtime.Type, _runtime.Payloads, EntityId, snapshot)
            : null;
        if (restored is null)
        {
            if (snapshot is { Position: > 0 })
            {
                LogSnapshotIgnored(EntityId, snapshot.Position, head);
            }

            await RefoldAsync(cancellationToken);
            return;
        }

        _fold = restored;
        foreach (var request in snapshot!.Requests)
        {
            _clock.Observe(request.Hlc);
        }

        await new LogFollower(_store, EntityId) { Position = _fold.Position }.CatchUpAsync(head, logged =>
        {
            _refold |= !_fold.Apply(logged);
            _clock.Observe(logged.Event.Hlc);
            return Task.CompletedTask;
        }, cancellationToken);
        if (_refold)
        {
            await RefoldAsync(cancellationToken);
        }
    }

    private async Task SnapshotIfDueAsync()
    {
        var covered = _snapshot is { RecordExists: true, State: { } stored } ? stored.Position : 0;
        if (_fold.Position - covered < _options.SnapshotInterval)
        {
            return;
        }

        try
        {
            _snapshot.State = _fold.ToSnapshot();
            await _snapshots.WriteStateAsync(SnapshotStateName, this.GetGrainId(), _snapshot);
        }
        catch (Exception ex)
        {
            // An optimisation only: the next activation folds a longer tail.
            LogSnapshotFailed(ex, EntityId, _fold.Position);
        }
    }

    public async Task<EntitySnapshot?> GetStoredSnapshotAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var stored = new GrainState<EntitySnapshot>();
        await _snapshots.ReadStateAsync(SnapshotStateName, this.GetGrainId(), stored);
        return stored.RecordExists ? stored.State : null;
    }

    private async Task RefoldAsync(CancellationToken cancellationToken)
    {
        var log = await LogFollower.ReadAllAsync(_store, EntityId, cancellationToken);
        if (log.Count > 0)
        {
            _clock.Observe(log.MaxBy(e => e.Event.Hlc)!.Event.Hlc);
        }

        _fold = EntityFold<TState>.Of(_runtime.Type, _runtime.Payloads, EntityId, log);
        _refold = false;
        _speculative = _staged.Aggregate(_fold.State, _fold.Speculate);
    }

    /// <summary>At home only: appends every apology the state owes and has not yet been appended, once each.</summary>
    private void Apologise()
    {
        if (!IsHome || _log.IsFaulted)
        {
            return;
        }

        foreach (var apology in _runtime.Type.OwedApologies(_fold.State))
        {
            var requestId = ApologyRequests.IdOf(apology.Key);
            if (_fold.TryGetRequest(requestId, out _) || _inFlight.ContainsKey(requestId))
            {
                continue;
            }

            LogApologising(EntityId, apology.Key);
            var staged = DecideAndStageAsync(requestId, Task.FromResult<object?>(apology.Payload));
            _inFlight[requestId] = staged;
            _ = staged.ContinueWith(
                t =>
                {
                    _inFlight.Remove(requestId);
                    if (t.Exception is { } ex)
                    {
                        LogApologyFailed(ex.GetBaseException(), EntityId, apology.Key);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Current);
        }
    }

    private void OnLogFault(Exception ex)
    {
        LogAppendFailed(ex, EntityId);
        DeactivateOnIdle();
    }

    string ISessionReplica.SessionEntityId => _runtime is null ? string.Empty : EntityId;

    /// <summary>
    /// Waits, bounded by <see cref="ConcordOptions.SessionCatchUpTimeout"/>, until this replica has applied
    /// <paramref name="required"/>. A session that needs more of this region's own chain than it ever wrote is refused
    /// at once: no wait can bring it.
    /// </summary>
    async Task ISessionReplica.AwaitSessionAsync(VersionVector required)
    {
        if (_invalidKeyMessage is not null || _fold.Version.Covers(required))
        {
            return;
        }

        var written = _replica.EffectiveHead(Region).Seq;
        if (required[Region] > written)
        {
            throw new InvalidRequestException("session", $"The session depends on {Region}:{required[Region]} of '{EntityId}', but {Region} has written {written} events of it: the token is not from this deployment, or from a backup newer than this region's.");
        }

        var timeout = _options.SessionCatchUpTimeout;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (_runtime.IsReentrant && !_fold.Version.Covers(required))
        {
            var remaining = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                _progress ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _progress.Task.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        if (!_fold.Version.Covers(required))
        {
            var missing = string.Join(", ", required.Entries.Where(e => _fold.Version[e.Origin] < e.Seq).Select(e => $"{e.Origin}:{_fold.Version[e.Origin] + 1}-{e.Seq}"));
            ServiceProvider.GetRequiredService<ConcordMetrics>().SessionRefused(Region, _runtime.Name);
            throw new SessionNotCaughtUpException(EntityId, Region, missing, _runtime.IsReentrant ? timeout : TimeSpan.Zero);
        }
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
