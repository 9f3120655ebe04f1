using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Concord.Grains.Derived;

/// <summary>
/// The account summary view, fed by the account's log stream. It folds the log with the same code as
/// the replica (<see cref="AccountState"/>), so the two cannot disagree on what an event means.
/// </summary>
[ImplicitStreamSubscription(StreamNames.AccountLog)]
internal sealed partial class AccountSummaryGrain : Grain, IAccountSummaryGrain, IStreamSubscriptionObserver
{
    private readonly IPersistentState<AccountSummaryState> _persisted;
    private readonly IEventLogStore _store;
    private readonly ConcordOptions _options;
    private readonly ILogger<AccountSummaryGrain> _logger;
    private AccountState _fold = new();
    private List<PendingTransfer> _pending = [];
    private readonly List<ApologyNotice> _unrecordedApologies = [];
    private LogFollower _follower = null!;

    // The fold position the totals shard last acknowledged; -1 until this activation reported once. A report that
    // failed is retried on the next catch-up even when the log has nothing new.
    private long _reportedPosition = -1;

    public AccountSummaryGrain(
        [PersistentState("account-summary", ConcordStorage.Name)] IPersistentState<AccountSummaryState> persisted,
        IEventLogStore store,
        IOptions<ConcordOptions> options,
        ILogger<AccountSummaryGrain> logger)
    {
        _persisted = persisted;
        _store = store;
        _options = options.Value;
        _logger = logger;
    }

    private string Account => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _fold = AccountState.FromSnapshot(_persisted.State.Fold);
        _pending = [.. _persisted.State.Pending];
        _follower = new LogFollower(_store, Account) { Position = _fold.Position };
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Best effort: the view catches up from the log after reactivation whatever is lost here. At silo
        // shutdown the storage may already be gone, so do not try.
        if (_fold.Position > _persisted.State.Fold.Position && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
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

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<LogAppended>().ResumeAsync(OnLogAppendedAsync);

    public async Task<AccountSummary> GetAsync(CancellationToken cancellationToken = default)
    {
        await PruneSettledAsync(cancellationToken);
        return Summary();
    }

    public async Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default)
    {
        await _follower.CatchUpAsync(throughPosition, ApplyAsync, cancellationToken);
        await AfterBatchAsync(replace: false, cancellationToken);
        return _follower.Position;
    }

    public async Task<AccountSummary> RebuildAsync(CancellationToken cancellationToken = default)
    {
        _fold = new AccountState();
        _pending = [];
        _follower.Position = 0;
        await _follower.CatchUpAsync(long.MaxValue, ApplyAsync, cancellationToken);
        await AfterBatchAsync(replace: true, cancellationToken);
        await PersistAsync();
        await PruneSettledAsync(cancellationToken);
        return Summary();
    }

    private async Task OnLogAppendedAsync(LogAppended message, StreamSequenceToken? token)
    {
        try
        {
            await _follower.ApplyAsync(message.Events, ApplyAsync, CancellationToken.None);
            await AfterBatchAsync(replace: false, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The account's repair pass calls CatchUpAsync later; nothing is lost by giving up here.
            LogDeliveryFailed(ex, Account, _follower.Position);
        }
    }

    private Task ApplyAsync(LoggedEvent logged)
    {
        var outcome = _fold.Apply(logged);
        var e = logged.Event;
        if (e.Payload is Debited debited && outcome != ApplyOutcome.Void)
        {
            _pending.Add(new PendingTransfer(e.Id, e.RequestId, debited.To, debited.Amount));
        }

        if (e.Payload is IApologyPayload apology && outcome != ApplyOutcome.Void)
        {
            _unrecordedApologies.Add(new ApologyNotice(e.Id, e.Hlc, e.Payload.Kind, apology.Describe()));
        }

        return Task.CompletedTask;
    }

    private async Task AfterBatchAsync(bool replace, CancellationToken cancellationToken)
    {
        while (_unrecordedApologies.Count > 0)
        {
            // The feed de-duplicates by event id, so a notice retried after a failure is recorded once.
            await GrainFactory.GetGrain<IApologyFeedGrain>(0).RecordAsync(_unrecordedApologies[0], cancellationToken);
            _unrecordedApologies.RemoveAt(0);
        }

        if (!replace && _fold.Position == _reportedPosition)
        {
            return;
        }

        var t = _fold.Totals;
        var contribution = new AccountContribution(
            _fold.Position,
            new RegionTotals(1, t.Balance, t.Deposited, t.PaidOut, t.Debited, t.Credited),
            replace);
        await GrainFactory.GetGrain<IRegionTotalsShardGrain>(RegionTotalsShards.ShardOf(Account)).ReportAsync(Account, contribution, cancellationToken);
        _reportedPosition = _fold.Position;

        if (_fold.Position - _persisted.State.Fold.Position >= _options.SnapshotInterval)
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

    private Task PersistAsync()
    {
        _persisted.State.Fold = _fold.ToSnapshot();
        _persisted.State.Pending = [.. _pending];
        return _persisted.WriteStateAsync();
    }

    private AccountSummary Summary()
    {
        var t = _fold.Totals;
        return new AccountSummary(Account, _fold.Position, t.Balance, t.Deposited, t.PaidOut, t.Debited, t.Credited, _fold.LastActivity, [.. _pending]);
    }
}
