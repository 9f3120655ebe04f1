using Concord.Grains.Audit;
using Concord.Grains.Constraints;
using Concord.Grains.Derived;
using Concord.Grains.Diagnostics;
using Concord.Grains.Events;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Ledger;

/// <summary>
/// An account's replica in this region. Reentrant so that concurrent commands share one append
/// (group commit); every state change happens in a synchronous section, so interleaving is safe.
/// </summary>
[Reentrant]
internal sealed partial class AccountGrain : Grain, IAccountGrain, ITransferCreditSink, IReplicaGrain, IHeldDebitSink, IReplicaAuditGrain
{
    private readonly IPersistentState<AccountSnapshot> _snapshot;
    private readonly IEventLogStore _store;
    private readonly IEventPublisher _publisher;
    private readonly HybridLogicalClock _clock;
    private readonly ConcordOptions _options;
    private readonly ILogger<AccountGrain> _logger;
    private readonly Dictionary<string, EventPayload> _inFlight = new(StringComparer.Ordinal);
    private AccountState _state = new();
    private GroupCommitLog _log = null!;
    private long _stagedDebits;
    private long _stagedCredits;
    private readonly EntityReplica _replica;
    private readonly DerivedRepair _repair;
    private string? _invalidKeyMessage;
    private string _home = string.Empty;
    private bool _apologyStaged;
    private readonly Dictionary<string, long> _reservations = new(StringComparer.Ordinal);

    public AccountGrain(
        [PersistentState("account", ConcordStorage.Name)] IPersistentState<AccountSnapshot> snapshot,
        IEventLogStore store,
        IEventPublisher publisher,
        HybridLogicalClock clock,
        IOptions<ConcordOptions> options,
        ILogger<AccountGrain> logger)
    {
        _snapshot = snapshot;
        _store = store;
        _publisher = publisher;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        _replica = new EntityReplica(this.GetPrimaryKeyString(), _options.Region, clock, () => _log, () => _state);
        _repair = new DerivedRepair(() => _log.Position, CatchUpDerivedAsync, (ex, target) => LogRepairFailed(ex, Account, target));
    }

    private string Account => this.GetPrimaryKeyString();

    private bool IsHome => string.Equals(_home, _options.Region, StringComparison.Ordinal);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!EntityKeys.IsValidKey(Account))
        {
            // Never touch storage for a key no command can be valid for.
            _invalidKeyMessage = Describe(() => EntityKeys.RequireKey(Account, "account"));
            return;
        }

        _log = new GroupCommitLog(Account, _store, _options.MaxGroupCommitEvents, ApplyCommitted, AfterCommitAsync, OnLogFault, ServiceProvider.GetRequiredService<ConcordMetrics>(), _options.Region);
        var head = await _store.GetHeadAsync(Account, cancellationToken);
        var snapshot = _snapshot.RecordExists ? _snapshot.State : AccountSnapshot.Empty;
        if (snapshot.Position > head)
        {
            LogSnapshotAhead(Account, snapshot.Position, head);
            snapshot = AccountSnapshot.Empty;
        }

        _state = AccountState.FromSnapshot(snapshot);
        var tail = new LogFollower(_store, Account) { Position = _state.Position };
        await tail.CatchUpAsync(head, logged =>
        {
            _state.Apply(logged);
            _clock.Observe(logged.Event.Hlc);
            return Task.CompletedTask;
        }, cancellationToken);

        _log.Initialize(_state.Position);
        _home = HomeRegions.OfAccount(Account, _options.EffectiveRegions);
        LogActivated(Account, _state.Position, snapshot.Position);

        // A crash between an overdraft and its apology is completed here.
        MaybeApologise();

        if (IsHome && _state.Position > 0)
        {
            await RestoreHoldsAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_repair.IsArmed && _log is { IsFaulted: false } && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            // Hand derived state its catch-up before going away, bounded by the deactivation timeout.
            await _repair.RunAsync(cancellationToken);
        }
    }

    public Task<WriteReceipt> DepositAsync(DepositCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        var requestId = EntityKeys.RequireRequestId(command.RequestId);
        RequireMode(command.Mode);
        return CommitAsync(requestId, new Deposited(Money.ToMinorUnits(command.Amount)));
    }

    public Task<WriteReceipt> TransferAsync(TransferCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        var requestId = EntityKeys.RequireRequestId(command.RequestId);
        var to = EntityKeys.RequireKey(command.To, "to");
        if (string.Equals(to, Account, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("to", $"Account '{Account}' cannot transfer to itself.");
        }

        RequireMode(command.Mode);
        var debit = new Debited(Money.ToMinorUnits(command.Amount), to, command.Mode);
        return command.Mode == ConsistencyMode.Strict && !IsHome
            ? ForwardToHomeAsync(requestId, debit, new ForwardedDebit(Account, _options.Region, command, null), cancellationToken)
            : CommitAsync(requestId, debit);
    }

    public Task<WriteReceipt> PayoutAsync(PayoutCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        var requestId = EntityKeys.RequireRequestId(command.RequestId);
        var payout = new PaidOut(Money.ToMinorUnits(command.Amount));
        return IsHome
            ? CommitAsync(requestId, payout)
            : ForwardToHomeAsync(requestId, payout, new ForwardedDebit(Account, _options.Region, null, command), cancellationToken);
    }

    public async Task<WriteReceipt> CreditAsync(TransferCredit credit, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(credit);
        var debit = await _store.FindAsync(credit.DebitId, cancellationToken);
        if (debit is not { Event.Payload: Debited debited }
            || !string.Equals(debited.To, Account, StringComparison.Ordinal)
            || debited.Amount != credit.Amount
            || !string.Equals(debit.Event.RequestId, credit.RequestId, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("debit", $"No debit {credit.DebitId} of {Money.Format(credit.Amount)} to '{Account}' with request '{credit.RequestId}' is in this region's log.");
        }

        return await CommitAsync(credit.CreditRequestId, new Credited(credit.Amount, credit.DebitId));
    }

    public async Task<AccountSnapshot?> GetStoredSnapshotAsync()
    {
        EnsureValidKey();
        await _snapshot.ReadStateAsync();
        return _snapshot.RecordExists ? _snapshot.State : null;
    }

    public Task<BalanceView> GetBalanceAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        return Task.FromResult(new BalanceView(Account, _state.Balance, _state.Version, _state.Position, _options.Region, _replica.HighestWaiting(), _home, _state.Frozen));
    }

    public async Task<Statement> GetStatementAsync(long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        if (fromPosition < 1)
        {
            throw new InvalidRequestException("fromPosition", $"Positions start at 1, not {fromPosition}.");
        }

        if (maxCount is < 1 or > 1000)
        {
            throw new InvalidRequestException("maxCount", $"A statement page holds 1 to 1000 lines, not {maxCount}.");
        }

        var page = await _store.ReadAsync(Account, fromPosition, maxCount, cancellationToken);
        return new Statement(Account, [.. page.Select(e => StatementLines.From(e, IsVoid(e.Event)))], _log.Position);
    }

    /// <summary>
    /// Returns the original receipt for a known request id, or decides the command and waits until its event
    /// is durable. A held debit (<paramref name="heldBatch"/>) draws on its batch's reservation instead of
    /// being decided again: the transaction that placed the hold decided it.
    /// </summary>
    private async Task<WriteReceipt> CommitAsync(string requestId, EventPayload payload, string? heldBatch = null)
    {
        if (_state.TryGetRequest(requestId, out var done))
        {
            RequireSameRequest(requestId, done.Payload, payload);
            return new WriteReceipt(done.EventId, done.Position, Replayed: true);
        }

        if (_inFlight.TryGetValue(requestId, out var staged))
        {
            RequireSameRequest(requestId, staged, payload);
            await _log.DrainAsync();
            return _state.TryGetRequest(requestId, out done)
                ? new WriteReceipt(done.EventId, done.Position, Replayed: true)
                : throw new StorageUnavailableException(Account, $"The first attempt of request '{requestId}' failed; retry it.");
        }

        if (payload is Debited { Mode: ConsistencyMode.Optimistic } && _state.Frozen && heldBatch is null)
        {
            throw new AccountFrozenException(Account, _state.Balance);
        }

        var effect = LedgerTotals.EffectOf(payload);
        var debit = effect.Debited + effect.PaidOut;
        var credit = effect.Deposited + effect.Credited;
        if (heldBatch is not null)
        {
            // Move the leg from the batch's reservation to the staged debits: the available balance is unchanged.
            if (_reservations.TryGetValue(heldBatch, out var reserved))
            {
                if (reserved - debit > 0)
                {
                    _reservations[heldBatch] = reserved - debit;
                }
                else
                {
                    _reservations.Remove(heldBatch);
                }
            }
        }
        else if (debit > 0)
        {
            // Strict debits reach here only at the home region (I1); optimistic ones check the local view.
            var available = Available();
            if (debit > available)
            {
                throw new InsufficientFundsException(Account, debit, available);
            }
        }

        if (credit > 0 && !CanAddWithoutOverflow(_state.Totals.Deposited + _state.Totals.Credited + _stagedCredits, credit))
        {
            throw new InvalidRequestException("amount", $"Crediting {Money.Format(credit)} would overflow the totals of '{Account}'.");
        }

        _inFlight[requestId] = payload;
        _stagedDebits += debit;
        _stagedCredits += credit;
        var logged = await StageLocalAsync(requestId, payload);
        return new WriteReceipt(logged.Event.Id, logged.Position);
    }

    private Task<LoggedEvent> StageLocalAsync(string requestId, EventPayload payload) => _replica.StageLocalAsync(requestId, payload);

    private void ApplyCommitted(LoggedEvent logged)
    {
        _state.Apply(logged);
        var e = logged.Event;
        if (e.Payload is OverdraftApology)
        {
            _apologyStaged = false;
        }

        _replica.OnCommitted(e);

        // Only this region's own events settle its in-flight commands; a remote event may carry the same
        // request id (a client that failed over) and must not release this region's reservation.
        if (string.Equals(e.Origin, _options.Region, StringComparison.Ordinal) && _inFlight.Remove(e.RequestId, out var payload))
        {
            var effect = LedgerTotals.EffectOf(payload);
            _stagedDebits -= effect.Debited + effect.PaidOut;
            _stagedCredits -= effect.Deposited + effect.Credited;
        }
    }

    private async Task AfterCommitAsync(IReadOnlyList<LoggedEvent> committed)
    {
        // Decided on the whole batch, so a debit and a covering deposit committed together need no apology.
        MaybeApologise();
        try
        {
            await _publisher.PublishAsync(StreamNames.AccountLog, Account, committed);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, Account, committed[0].Position, committed[^1].Position);
        }

        if (_state.Position - (_snapshot.RecordExists ? _snapshot.State.Position : 0) >= _options.SnapshotInterval)
        {
            try
            {
                _snapshot.State = _state.ToSnapshot();
                await _snapshot.WriteStateAsync();
            }
            catch (Exception ex)
            {
                LogSnapshotFailed(ex, Account, _state.Position);
            }
        }

        _repair.Arm(this, _options.DerivedRepairDelay);
    }

    /// <summary>Whether the summary and the transfer processor caught up with this log to <paramref name="target"/>.</summary>
    private async Task<bool> CatchUpDerivedAsync(long target, CancellationToken cancellationToken)
    {
        var viewAt = await GrainFactory.GetGrain<IAccountSummaryGrain>(Account).CatchUpAsync(target, cancellationToken);
        var processedAt = await GrainFactory.GetGrain<ITransferProcessorGrain>(Account).CatchUpAsync(target, cancellationToken);
        return viewAt >= target && processedAt >= target;
    }

    private void OnLogFault(Exception ex)
    {
        LogAppendFailed(ex, Account);
        this.DeactivateOnIdle();
    }

    private void EnsureValidKey()
    {
        if (_invalidKeyMessage is not null)
        {
            throw new InvalidRequestException("account", _invalidKeyMessage);
        }
    }

    private void RequireSameRequest(string requestId, EventPayload original, EventPayload retry)
    {
        if (original != retry)
        {
            throw new InvalidRequestException("requestId", $"Request '{requestId}' already took effect on '{Account}' with different parameters.");
        }
    }

    private static void RequireMode(ConsistencyMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new InvalidRequestException("mode", $"Unknown consistency mode {(int)mode}.");
        }
    }

    private static bool CanAddWithoutOverflow(long total, long amount) => total <= long.MaxValue - amount;

    private static string Describe(Action validate)
    {
        try
        {
            validate();
            return string.Empty;
        }
        catch (InvalidRequestException ex)
        {
            return ex.Message;
        }
    }
}
