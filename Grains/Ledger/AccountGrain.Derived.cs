using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Ledger;

/// <summary>
/// What derives from an account's log in this silo: the summary, fed by the region's log feed, and the transfer
/// processor, fed directly with the debits it credits. Only the home region's processor credits anything, and only
/// debits need it, so a deposit, or any event outside the home region, costs the processor nothing: no delivery, no
/// turn, no cursor to move.
/// </summary>
internal sealed partial class AccountGrain
{
    // The log position through which the processor has been sent every debit this activation committed; -1 before
    // the first commit. Every group committed since then without a debit lies above it and needs no processing.
    private long _debitsSentThrough = -1;

    // The last position of the last group this activation heard committed.
    private long _committedThrough = -1;

    private protected override void OnCommitted(IReadOnlyList<LoggedEvent> committed)
    {
        if (!IsHome || committed.Count == 0)
        {
            return;
        }

        if (committed[0].Position != _committedThrough + 1)
        {
            // What lies below this group this activation did not see (its first commit, or a log it did not watch
            // grow): the processor, behind it, reads that range itself.
            _debitsSentThrough = committed[0].Position - 1;
        }

        _committedThrough = committed[^1].Position;
        var debits = committed.Where(l => OutgoingTransfer.Of(l.Event.Payload) is not null).ToArray();
        if (debits.Length == 0)
        {
            return;
        }

        var appended = new TransferDebits(_debitsSentThrough, committed[^1].Position, [.. debits]);
        _debitsSentThrough = appended.Through;
        // One-way: a lost message is found by the repair pass, which sees the processor short of this position.
        _ = GrainFactory.GetGrain<ITransferProcessorGrain>(Key).DebitsAppendedAsync(appended);
    }

    /// <summary>The account summary and, at home, the transfer processor, caught up to <paramref name="target"/>.</summary>
    protected override async Task<bool> CatchUpDerivedAsync(long target, CancellationToken cancellationToken)
    {
        // A consumer this silo knows to be at the target is not called: the feed delivered everything to it.
        var summarized = await DerivedPositions.CatchUpAsync(Derived.AccountSummaryGrain.ConsumerName, Key, target,
            () => GrainFactory.GetGrain<IAccountSummaryGrain>(Key).CatchUpAsync(target, cancellationToken));
        return summarized && (!IsHome || ProcessorHasEveryDebitThrough(target)
            || await GrainFactory.GetGrain<ITransferProcessorGrain>(Key).CatchUpAsync(target, cancellationToken) >= target);
    }

    /// <summary>
    /// True when the processor is known to have every debit through <paramref name="target"/> without asking it:
    /// it reached the last position it was sent, and what this activation committed above that holds no debit.
    /// </summary>
    private bool ProcessorHasEveryDebitThrough(long target) =>
        _debitsSentThrough >= 0 && target <= _committedThrough
        && (_debitsSentThrough == 0 || DerivedPositions.HasReached(TransferProcessorGrain.ConsumerName, Key, _debitsSentThrough));
}
