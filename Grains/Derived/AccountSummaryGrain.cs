using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.BroadcastChannel;

namespace Concord.Grains.Derived;

/// <summary>
/// The account summary view, fed by the account's log channel (a push per group commit). It folds the log with the same code as
/// the replica (<see cref="AccountType"/>), so the two cannot disagree on what an event means.
/// </summary>
[ImplicitChannelSubscription(StreamNames.AccountLog)]
internal sealed partial class AccountSummaryGrain : Grain, IAccountSummaryGrain, IOnBroadcastChannelSubscribed
{
    private readonly IPersistentState<AccountSummaryState> _persisted;
    private readonly IEventLogStore _store;
    private readonly ConcordOptions _options;
    private readonly ILogger<AccountSummaryGrain> _logger;
    private readonly Diagnostics.EventTraces _traces;
    private readonly DerivedPositions _positions;
    private EntityFold<AccountState> _fold = null!;
    private List<PendingTransfer> _pending = [];
    private LogFollower _follower = null!;
    private long _persistedPosition;
    private bool _refold;

    // The fold position the totals shard last acknowledged; -1 until this activation reported once. A report that
    // failed is retried on the next catch-up even when the log has nothing new.
    private long _reportedPosition = -1;

    public AccountSummaryGrain(
        [PersistentState("account-summary", ConcordStorage.Name)] IPersistentState<AccountSummaryState> persisted,
        IEventLogStore store,
        IOptions<ConcordOptions> options,
        Diagnostics.EventTraces traces,
        DerivedPositions positions,
        ILogger<AccountSummaryGrain> logger)
    {
        _traces = traces;
        _positions = positions;
        _persisted = persisted;
        _store = store;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>This consumer's name in <see cref="DerivedPositions"/>.</summary>
    public const string ConsumerName = "account-summary";

    private string Account => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var restored = _persisted.State.Fold is { } snapshot ? AccountType.FromSnapshot(Account, snapshot) : null;
        _fold = restored ?? AccountType.NewFold(Account);
        _pending = restored is null ? [] : [.. _persisted.State.Pending];
        _persistedPosition = _fold.Position;
        _follower = new LogFollower(_store, Account) { Position = _fold.Position };
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _positions.Forget(ConsumerName, Account);
        // Best effort: the view catches up from the log after reactivation whatever is lost here. At silo
        // shutdown the storage may already be gone, so do not try.
        if (_fold.Position > _persistedPosition && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            try
            {
                await PersistAsync();
            }
            catch (Exception ex)
            {
                LogPersistFailed(ex, Account, _fold.Position);
            }
        }
    }

    public Task OnSubscribed(IBroadcastChannelSubscription subscription) => subscription.Attach<LogAppended>(OnLogAppendedAsync);

    public async Task<AccountSummary> GetAsync(CancellationToken cancellationToken = default)
    {
        await PruneSettledAsync(cancellationToken);
        return Summary();
    }

    public async Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default)
    {
        await _follower.CatchUpAsync(throughPosition, ApplyAsync, cancellationToken);
        await AfterBatchAsync(replace: false, cancellationToken);
        _positions.Reached(ConsumerName, Account, Math.Min(_follower.Position, _reportedPosition));
        return _follower.Position;
    }

    public async Task<AccountSummary> CatchUpAndGetAsync(long throughPosition, CancellationToken cancellationToken = default)
    {
        await CatchUpAsync(throughPosition, cancellationToken);
        return await GetAsync(cancellationToken);
    }

    public async Task<AccountSummary> RebuildAsync(CancellationToken cancellationToken = default)
    {
        await RefoldAsync(cancellationToken);
        await AfterBatchAsync(replace: true, cancellationToken);
        await PersistAsync();
        await PruneSettledAsync(cancellationToken);
        return Summary();
    }

    private async Task OnLogAppendedAsync(LogAppended message)
    {
        try
        {
            await _follower.ApplyAsync(message.Events, ApplyAsync, CancellationToken.None);
            await AfterBatchAsync(replace: false, CancellationToken.None);
            _positions.Reached(ConsumerName, Account, Math.Min(_follower.Position, _reportedPosition));
        }
        catch (Exception ex)
        {
            // The account's repair pass calls CatchUpAsync later; nothing is lost by giving up here.
            LogDeliveryFailed(ex, Account, _follower.Position);
        }
    }

    private Task ApplyAsync(LoggedEvent logged)
    {
        var e = logged.Event;
        using var traced = Diagnostics.ViewSpans.Start(_traces, _options.Region, "account-summary", e);
        var known = _fold.TryGetRequest(e.RequestId, out _);
        _refold |= !_fold.Apply(logged);
        if (OutgoingTransfer.Of(e.Payload) is { } leg && !known)
        {
            _pending.Add(new PendingTransfer(e.Id, e.RequestId, leg.To, Money.ToDecimal(leg.Amount)));
        }

        return Task.CompletedTask;
    }

    /// <summary>Folds the whole log again: after a rebuild, or when a request's winner arrived after its loser was folded.</summary>
    private async Task RefoldAsync(CancellationToken cancellationToken)
    {
        var log = await LogFollower.ReadAllAsync(_store, Account, cancellationToken);
        _fold = AccountType.FoldOf(Account, log);
        _pending = [.. log.Where(l => OutgoingTransfer.Of(l.Event.Payload) is not null && _fold.TryGetRequest(l.Event.RequestId, out var winner) && winner.Id == l.Event.Id)
            .Select(l => (l.Event, Leg: OutgoingTransfer.Of(l.Event.Payload)!.Value))
            .Select(x => new PendingTransfer(x.Event.Id, x.Event.RequestId, x.Leg.To, Money.ToDecimal(x.Leg.Amount)))];
        _follower.Position = _fold.Position;
        _refold = false;
    }

    private async Task AfterBatchAsync(bool replace, CancellationToken cancellationToken)
    {
        if (_refold)
        {
            await RefoldAsync(cancellationToken);
        }

        if (!replace && _fold.Position == _reportedPosition)
        {
            return;
        }

        var contribution = new AccountContribution(
            _fold.Position,
            LedgerTotals.ContributionOf(_fold.State),
            replace);
        await GrainFactory.GetGrain<IRegionTotalsShardGrain>(RegionTotalsShards.ShardOf(Account)).ReportAsync(Account, contribution, cancellationToken);
        _reportedPosition = _fold.Position;

        if (_fold.Position - _persistedPosition >= _options.SnapshotInterval)
        {
            await PersistAsync();
        }
    }

    private async Task PruneSettledAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var open = new List<PendingTransfer>(_pending.Count);
        foreach (var transfer in _pending)
        {
            var credits = await _store.FindByRequestAsync(transfer.To, TransferCredit.CreditRequestIdFor(Account, transfer.RequestId), cancellationToken);
            if (credits.Count == 0)
            {
                open.Add(transfer);
            }
        }

        _pending = open;
    }

    private async Task PersistAsync()
    {
        _persisted.State.Fold = _fold.ToSnapshot();
        _persisted.State.Pending = [.. _pending];
        await _persisted.WriteStateAsync();
        _persistedPosition = _fold.Position;
    }

    private AccountSummary Summary()
    {
        var t = _fold.State.Totals.ToRegionTotals();
        return new AccountSummary(Account, _fold.Position, t.SumOfBalances, t.Deposited, t.PaidOut, t.TransferredOut, t.TransferredIn, _fold.State.LastActivity, [.. _pending]);
    }
}
