using Concord.Grains.Diagnostics;
using Concord.Grains.Events;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace Concord.Grains.Entities;

/// <summary>Where a command is decided, as a replica sees it before deciding: here, or at <see cref="Decider"/>.</summary>
internal readonly record struct CommandRoute(ConsistencyMode Mode, string Decider, long Spend, bool CoveredHere, IReadOnlyList<(string Peer, long Amount)> Asks);

/// <summary>
/// One entity's replica in one region, with no host in it: the fold over the durable log and the events staged for
/// the group commit, dedupe by request id (done and in flight), routing of strict commands (home, another deciding
/// region, or this region's escrow share), chain sealing and causal apply of remote events, refolds when a request-id
/// winner arrives after its loser, and the apologies home owes. Time, storage and the clock come in through the
/// constructor; the Orleans grain (<see cref="ReplicatedEntityGrain{TState}"/>) and the deterministic simulator host
/// the same instance type. Used from one logical thread (a grain's scheduler, the simulator's loop).
/// </summary>
internal sealed partial class EntityStateMachine<TState> : IEntityStateMachine
    where TState : class
{
    private readonly Dictionary<string, Task<LoggedEvent?>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Forwarded strict commands whose answer was lost; their retries go back to the same decider.</summary>
    public UnansweredForwards Unanswered { get; } = new();
    private readonly List<EventEnvelope> _staged = [];
    private readonly IEventLogStore _store;
    private readonly HybridLogicalClock _clock;
    private readonly ConcordOptions _options;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<LoggedEvent>, Task> _afterCommit;
    private readonly EscrowRebalancing? _escrow;
    private EntityFold<TState> _fold;
    private TState _speculative;
    private bool _refold;

    public EntityStateMachine(
        EntityTypeRuntime<TState> runtime,
        string key,
        ConcordOptions options,
        HybridLogicalClock clock,
        IEventLogStore store,
        TimeProvider time,
        ConcordMetrics metrics,
        ILogger logger,
        Func<IReadOnlyList<LoggedEvent>, Task> afterCommit,
        Action<Exception> onLogFault,
        LocalFeedSignal? feed = null,
        Func<string?>? localWritesRefused = null)
    {
        Runtime = runtime;
        Key = key;
        EntityId = runtime.EntityIdOf(key);
        _options = options;
        _clock = clock;
        _store = store;
        _logger = logger;
        _afterCommit = afterCommit;
        HomeRegion = runtime.HomeRegionOf(key, options.EffectiveRegions);
        _fold = new EntityFold<TState>(runtime.Type, runtime.Payloads, EntityId);
        _speculative = _fold.State;
        Log = new GroupCommitLog(EntityId, store, options.MaxGroupCommitEvents, ApplyCommitted, AfterCommitAsync, onLogFault, metrics, Region, feed);
        Replica = new EntityReplica(EntityId, Region, clock, () => Log, () => _fold, OnStaged, localWritesRefused);
        if (runtime.Escrow is not null)
        {
            _escrow = new EscrowRebalancing(Region, time, options.EscrowAskInterval, options.EscrowKeepWindow);
        }
    }

    public EntityTypeRuntime<TState> Runtime { get; }

    public string Key { get; }

    public string EntityId { get; }

    public string Region => _options.Region;

    public string HomeRegion { get; }

    public bool IsHome => string.Equals(HomeRegion, Region, StringComparison.Ordinal);

    public GroupCommitLog Log { get; }

    public EntityReplica Replica { get; }

    /// <summary>The fold of every durable event this region holds.</summary>
    public EntityFold<TState> Fold => _fold;

    public TState State => _fold.State;

    public VersionVector Version => _fold.Version;

    public long Position => _fold.Position;

    public string CanonicalState => PayloadTypes.CanonicalOf(_fold.State);

    /// <summary>What decisions see: the durable state with every staged event (local or remote) folded in, in commit order.</summary>
    public TState Decidable => _staged.Count == 0 ? _fold.State : _speculative;

    /// <summary>Loads the newest snapshot plus the log's tail (the whole log when the snapshot does not fit it), then completes any apology a crash left owed.</summary>
    public async Task LoadAsync(EntitySnapshot? snapshot, CancellationToken cancellationToken)
    {
        var head = await _store.GetHeadAsync(EntityId, cancellationToken);
        var restored = snapshot is not null && snapshot.Position <= head
            ? EntityFold<TState>.FromSnapshot(Runtime.Type, Runtime.Payloads, EntityId, snapshot)
            : null;
        if (restored is null)
        {
            if (snapshot is { Position: > 0 })
            {
                LogSnapshotIgnored(EntityId, snapshot.Position, head);
            }

            await RefoldAsync(cancellationToken);
        }
        else
        {
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

        Log.Initialize(_fold.Position);
        _speculative = _fold.State;
        Apologise();
    }

    /// <summary>Whether a request id took effect in this region's log, and which event carries it.</summary>
    public bool TryGetDecision(string requestId, out (Interfaces.Events.EventId Id, HlcTimestamp Hlc, long Position) winner) => _fold.TryGetRequest(requestId, out winner);

    /// <summary>The receipt of a request id that took effect here or is being appended here, or null when it is new to this region.</summary>
    public async Task<EntityReceipt?> ReplayAsync(string requestId, object command, CancellationToken cancellationToken)
    {
        if (!PlantedBugs.ForgetRequestIds && _fold.TryGetRequest(requestId, out var done))
        {
            if (Runtime.ChecksRetries)
            {
                // Only the event id is in memory: the first attempt's payload is read back from the log.
                RequireRetryOf(requestId, command, (await _store.FindAsync(done.Id, cancellationToken))?.Event);
            }

            return new EntityReceipt(EntityId, [done.Id], done.Position, Replayed: true, Region);
        }

        if (_inFlight.TryGetValue(requestId, out var pending))
        {
            var first = await pending;
            if (Runtime.ChecksRetries)
            {
                RequireRetryOf(requestId, command, first?.Event);
            }

            return first is { } logged
                ? new EntityReceipt(EntityId, [logged.Event.Id], logged.Position, Replayed: true, Region)
                : new EntityReceipt(EntityId, [], _fold.Position, Replayed: true, Region);
        }

        return null;
    }

    /// <summary>
    /// Where <paramref name="command"/> is decided: an optimistic one here; a strict one at its deciding region (home
    /// unless the type names another), except that one this region's escrow share covers is decided here. A short
    /// share yields the peers to ask (when <paramref name="mayAsk"/> is given; null asks nobody). A retry of a request
    /// forwarded before whose answer was lost goes back to the same decider (<see cref="Unanswered"/>).
    /// </summary>
    public CommandRoute RouteOf(string requestId, object command, Func<string, bool>? mayAsk)
    {
        ArgumentNullException.ThrowIfNull(command);
        var mode = Runtime.Type.ModeOf(command);
        if (!Enum.IsDefined(mode))
        {
            throw new InvalidRequestException("mode", $"Entity type '{Runtime.Name}' gave consistency mode {(int)mode} for {command.GetType().Name}.");
        }

        if (mode != ConsistencyMode.Strict)
        {
            return new CommandRoute(mode, Region, 0, false, []);
        }

        if (Unanswered.DeciderOf(requestId) is { } sameDecider)
        {
            return new CommandRoute(mode, sameDecider, 0, false, []);
        }

        var decider = DeciderOf(command);
        var spend = string.Equals(decider, HomeRegion, StringComparison.Ordinal) ? Runtime.Escrow?.EscrowSpendOf(command) ?? 0 : 0;
        IReadOnlyList<(string Peer, long Amount)> asks = [];
        var covered = spend > 0 && ShareCovers(spend, mayAsk, out asks);
        return new CommandRoute(mode, decider, spend, covered, asks);
    }

    /// <summary>The region that decides a strict <paramref name="command"/> as this replica sees it.</summary>
    public string DeciderOf(object command) => Runtime.Type.DecidingRegionOf(Decidable, command, Region) ?? HomeRegion;

    /// <summary>Whether a strict command routed as <paramref name="route"/> is decided by home's own rules here (not by an escrow share elsewhere).</summary>
    public bool DecidesAtHome(CommandRoute route) =>
        route.Mode == ConsistencyMode.Strict && IsHome && string.Equals(route.Decider, HomeRegion, StringComparison.Ordinal);

    /// <summary>
    /// The context a command is decided in here. Throws the retryable <see cref="StorageUnavailableException"/> while this
    /// region takes back its lost tail: it decides nothing then, not even a refusal or a no-op, since its state may lack
    /// the decision a retry's first attempt made.
    /// </summary>
    public CommandContext BeginDecision(string requestId, ConsistencyMode mode)
    {
        Replica.ThrowIfLocalWritesRefused();
        return new(EntityId, Key, requestId, mode, Region, HomeRegion, Replica.EffectiveVersion());
    }

    /// <summary>Appends what <paramref name="decision"/> yields under <paramref name="requestId"/>, once, and answers with its receipt.</summary>
    public async Task<EntityReceipt> CommitDecisionAsync(string requestId, Task<object?> decision, long spend)
    {
        var decided = DecideAndStageAsync(requestId, decision);
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

    public Task<EntityReceipt> DecideHereAsync(string requestId, object command, CommandRoute route) =>
        CommitDecisionAsync(requestId, Task.FromResult(Runtime.Type.Decide(Decidable, command, BeginDecision(requestId, route.Mode))), route.Spend);

    /// <summary>Seals and stages the payload <paramref name="decision"/> yields, if any; completes when it is durable.</summary>
    public async Task<LoggedEvent?> DecideAndStageAsync(string requestId, Task<object?> decision)
    {
        var payload = await decision;
        return payload is null ? null : await Replica.StageLocalAsync(requestId, Runtime.Payloads.ToLogged(payload, EntityId));
    }

    /// <summary>
    /// Takes other regions' events of this entity: the whole call is refused before anything is staged when a new one
    /// cannot be read here; then each is checked, buffered and applied in causal order.
    /// </summary>
    public Task<(int Rejected, int Dropped, int Copies)> ApplyRemoteAsync(IEnumerable<EventEnvelope> events)
    {
        var list = events as IReadOnlyCollection<EventEnvelope> ?? [.. events];
        foreach (var e in list)
        {
            if (string.Equals(e.EntityId, EntityId, StringComparison.Ordinal) && e.Seq > Replica.EffectiveHead(e.Origin).Seq
                && Runtime.Payloads.WhyUnreadable(e.Payload) is { } why)
            {
                throw new UnknownPayloadKindException(e.Payload.Kind, EntityId, why);
            }
        }

        return Replica.ApplyRemoteAsync(list);
    }

    /// <summary>What this region can spare of its share for a peer that asked for <paramref name="amount"/>: 0 for a type without escrow.</summary>
    public long GiveableShare(long amount) =>
        Runtime.Escrow is { } escrow && _escrow is not null ? _escrow.Giveable(escrow.EscrowOf(Decidable), amount) : 0;

    /// <summary>Appends this region's hand-over of <paramref name="amount"/> of its share to <paramref name="to"/>.</summary>
    public Task<LoggedEvent?> GiveShareAsync(string to, long amount, string requestId) =>
        DecideAndStageAsync(requestId, Task.FromResult<object?>(new EscrowShareGiven(to, amount)));

    /// <summary>Refolds the whole log (a winner arrived after its loser, or a load without a usable snapshot).</summary>
    public async Task RefoldAsync(CancellationToken cancellationToken)
    {
        var log = await LogFollower.ReadAllAsync(_store, EntityId, cancellationToken);
        if (log.Count > 0)
        {
            _clock.Observe(log.MaxBy(e => e.Event.Hlc)!.Event.Hlc);
        }

        _fold = EntityFold<TState>.Of(Runtime.Type, Runtime.Payloads, EntityId, log);
        _refold = false;
        _speculative = _staged.Aggregate(_fold.State, _fold.Speculate);
    }

    /// <summary>At home only: stages every apology the state owes that is neither appended nor being appended, once each.</summary>
    public void Apologise()
    {
        if (!IsHome || Log.IsFaulted || PlantedBugs.SkipApologies)
        {
            return;
        }

        foreach (var apology in Runtime.Type.OwedApologies(_fold.State))
        {
            var requestId = ApologyRequests.IdOf(apology.Key);
            if (_fold.TryGetRequest(requestId, out _) || _inFlight.ContainsKey(requestId))
            {
                continue;
            }

            LogApologising(EntityId, apology.Key);
            var staged = DecideAndStageAsync(requestId, Task.FromResult<object?>(apology.Payload));
            if (staged.IsFaulted)
            {
                // Refused before staging (writes are shut): nothing is in flight, so the next call tries again at once
                // (had it stayed in flight until its continuation ran, the call that opens the gate would skip it).
                LogApologyFailed(staged.Exception.GetBaseException(), EntityId, apology.Key);
                continue;
            }

            _inFlight[requestId] = staged;
            _ = staged.ContinueWith(
                t =>
                {
                    if (_inFlight.TryGetValue(requestId, out var current) && current == t)
                    {
                        _inFlight.Remove(requestId);
                    }

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

    /// <summary>The asks to send for a strict <paramref name="spend"/> decided outside a command (a batch's reservation); none when the share covers it.</summary>
    public IReadOnlyList<(string Peer, long Amount)> AsksToCover(long spend, Func<string, bool> mayAsk) =>
        spend > 0 && !ShareCovers(spend, mayAsk, out var asks) ? asks : [];

    private bool ShareCovers(long spend, Func<string, bool>? mayAsk, out IReadOnlyList<(string Peer, long Amount)> asks)
    {
        asks = [];
        if (Runtime.Escrow is not { } escrow || _escrow is null || (!IsHome && !_options.EscrowLocalDecisions))
        {
            return false;
        }

        var counter = escrow.EscrowOf(Decidable);
        if (counter.CanSpend(Region, spend))
        {
            return true;
        }

        if (mayAsk is not null)
        {
            // Home is not asked when its share covers this spend: the command goes there next, to be decided with it.
            var homeDecidesIt = !IsHome && counter.CanSpend(HomeRegion, spend);
            asks = _escrow.AsksFor(counter, spend, homeDecidesIt ? HomeRegion : null, mayAsk);
        }

        return false;
    }

    /// <summary>Refuses a retry that carries another command than the one its request id took effect with.</summary>
    private void RequireRetryOf(string requestId, object command, EventEnvelope? first)
    {
        if (first is not null && !ApologyRequests.IsApology(first) && !Runtime.Type.IsRetryOf(command, Runtime.Payloads.ValueOf(first.Payload, EntityId)))
        {
            throw new InvalidRequestException("requestId", $"Request '{requestId}' already took effect on '{EntityId}' with a different command; use a new request id.");
        }
    }

    private void OnStaged(EventEnvelope e)
    {
        _speculative = _fold.Speculate(Decidable, e);
        _staged.Add(e);
    }

    private void ApplyCommitted(LoggedEvent logged)
    {
        _refold |= !_fold.Apply(logged);
        Replica.OnCommitted(logged.Event);

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

        Apologise();
        await _afterCommit(committed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{EntityId}: appending the apology for {ApologyKey}.")]
    private partial void LogApologising(string entityId, string apologyKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: appending the apology for {ApologyKey} failed; it is retried on the next change or activation.")]
    private partial void LogApologyFailed(Exception exception, string entityId, string apologyKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: the snapshot at position {Position} is ahead of the log's head {Head} or does not read back; folding the whole log.")]
    private partial void LogSnapshotIgnored(string entityId, long position, long head);
}
