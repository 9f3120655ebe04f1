using Concord.Grains.Constraints;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// Batch-transfer holds: reservations every debit respects, held debits, and recovery of committed holds. A reminder,
/// registered with the first reservation, outlives a crash of the silo: it wakes the account at its home while any
/// hold is outstanding, and its activation settles them.
/// </summary>
internal sealed partial class AccountGrain : IRemindable
{
    private const string HoldRecoveryReminder = "settle-holds";

    private readonly Dictionary<string, long> _reservations = new(StringComparer.Ordinal);
    private bool _holdReminderRegistered;
    private bool _settling;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == HoldExpiryReminder)
        {
            _expiryReminderRegistered = true;
            await ExpireDueHoldsAsync(CancellationToken.None);
            return;
        }

        if (reminderName != HoldRecoveryReminder || !IsHome)
        {
            return;
        }

        if (_settling)
        {
            return;
        }

        // Committed holds still outstanding are settled (appends are idempotent, so racing a live coordinator is
        // harmless); reservations are not recomputed here, because legs being appended right now are already counted.
        var outstanding = await GrainFactory.GetGrain<IAccountHoldsGrain>(Key).GetOutstandingAsync();
        if (outstanding.Count > 0)
        {
            StartSettling(outstanding.Keys);
            return;
        }

        // A reservation whose transaction has not decided yet may still commit a hold: keep waking until none is left.
        if (_reservations.Count > 0)
        {
            return;
        }

        if (await this.GetReminder(HoldRecoveryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _holdReminderRegistered = false;
    }

    /// <summary>Funds reserved by batch transfers whose legs are not appended yet.</summary>
    private long Reserved() => _reservations.Values.Sum();

    /// <summary>Moves a held leg from its batch's reservation into the log: the funds it needs are already set aside.</summary>
    private Debited DrawOnHold(HeldDebit held)
    {
        if (_reservations.TryGetValue(held.BatchId, out var reserved))
        {
            if (reserved - held.Debit.Amount > 0)
            {
                _reservations[held.BatchId] = reserved - held.Debit.Amount;
            }
            else
            {
                _reservations.Remove(held.BatchId);
            }
        }

        return held.Debit;
    }

    public async Task ReserveAsync(string batchId, long amount)
    {
        EnsureValidKey();
        if (!IsHome)
        {
            throw new CoordinationUnavailableException(Key, HomeRegion, $"holds are placed at the home region, not in '{Region}'.");
        }

        if (!_reservations.ContainsKey(batchId))
        {
            // A reservation is a strict debit decided here: the balance and this region's escrow share must cover it.
            var state = DecisionState;
            if (amount > state.Balance - Reserved())
            {
                throw new InsufficientFundsException(Key, amount, state.Balance - Reserved());
            }

            if (amount > state.Escrow.RightsOf(Region) - Reserved())
            {
                // The balance covers it but this region's share does not: ask the peers that hold it, as a strict debit does.
                AskForShareToCover(amount + Reserved());
                throw new InsufficientShareException(Key, Region, amount, state.Escrow.RightsOf(Region) - Reserved(), state.Balance - Reserved());
            }

            _reservations[batchId] = amount;
        }

        if (!_holdReminderRegistered)
        {
            // Registered before the hold can commit; a reminder that finds no hold unregisters itself.
            await this.RegisterOrUpdateReminder(HoldRecoveryReminder, TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(1));
            _holdReminderRegistered = true;
        }
    }

    public Task ReleaseAsync(string batchId)
    {
        _reservations.Remove(batchId);
        return Task.CompletedTask;
    }

    public async Task<WriteReceipt> ApplyHeldDebitAsync(string batchId, HeldLeg leg)
    {
        EnsureValidKey();
        var receipt = await ExecuteUnderDerivedIdAsync(leg.RequestId, new HeldDebit(batchId, new Debited(leg.Amount, leg.To, ConsistencyMode.Strict)));
        return new WriteReceipt(receipt.Events[0], receipt.Position, receipt.Replayed);
    }

    /// <summary>
    /// Rebuilds reservations from the durable holds, and settles holds whose transaction committed but whose
    /// debits were never appended (a crash in between). Settling runs after activation, because the holds
    /// grain calls back into this account.
    /// </summary>
    private async Task RestoreHoldsAsync()
    {
        var holds = GrainFactory.GetGrain<IAccountHoldsGrain>(Key);
        var outstanding = await holds.GetOutstandingAsync();
        foreach (var (batchId, legs) in outstanding)
        {
            var unapplied = legs.Where(l => !TryGetDecision(l.RequestId, out _)).Sum(l => l.Amount);
            if (unapplied > 0)
            {
                _reservations[batchId] = unapplied;
            }
        }

        StartSettling(outstanding.Keys);
    }

    /// <summary>Settles the given committed holds on a timer, retried every few seconds until all are settled.</summary>
    private void StartSettling(IEnumerable<string> batchIds)
    {
        var unsettled = new HashSet<string>(batchIds, StringComparer.Ordinal);
        if (unsettled.Count > 0 && !_settling)
        {
            _settling = true;
            LogSettlingHolds(Key, unsettled.Count);
            var holds = GrainFactory.GetGrain<IAccountHoldsGrain>(Key);
            IGrainTimer? timer = null;
            timer = this.RegisterGrainTimer(
                async ct =>
                {
                    // Retried every few seconds until every committed hold is settled.
                    foreach (var batchId in unsettled.ToList())
                    {
                        try
                        {
                            await holds.SettleAsync(batchId);
                            unsettled.Remove(batchId);
                        }
                        catch (Exception ex) when (ex is not InsufficientFundsException)
                        {
                            LogSettleFailed(ex, Key, batchId);
                        }
                    }

                    if (unsettled.Count == 0)
                    {
                        _settling = false;
                        timer?.Dispose();
                    }
                },
                new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = TimeSpan.FromSeconds(5), Interleave = true });
        }
    }
}
