using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// Accounts as a replicated entity type. A command is the payload it asks to append (a deposit, a debit, a payout, a
/// transfer's credit), so a retry is the same request exactly when it carries the same payload. Deposits and credits
/// are optimistic; payouts are strict; a transfer takes its mode from the client. An overdraft at home, reached by
/// optimistic debits of several regions, is owed one apology; the account refuses optimistic debits until its
/// balance is back at 0. Account ids are bare keys (they predate entity types).
/// </summary>
internal sealed class AccountType : ReplicatedEntityType<AccountState>, IEscrowedEntityType<AccountState>
{
    public const string TypeName = "account";

    /// <summary>The type, with its payloads, for folds outside the grain (the summary, the audit); it holds no state.</summary>
    public static AccountType Instance { get; } = new();

    private static readonly PayloadTypes LedgerPayloads = Registered(Instance);

    /// <summary>An empty fold of <paramref name="account"/>'s log.</summary>
    public static EntityFold<AccountState> NewFold(string account) => new(Instance, LedgerPayloads, account);

    /// <summary>A fold of a whole log, request-id winners first, as the grain and the auditor fold it.</summary>
    public static EntityFold<AccountState> FoldOf(string account, IReadOnlyList<LoggedEvent> log) => EntityFold<AccountState>.Of(Instance, LedgerPayloads, account, log);

    /// <summary>The fold a stored snapshot describes, or null when it does not read back.</summary>
    public static EntityFold<AccountState>? FromSnapshot(string account, EntitySnapshot snapshot) => EntityFold<AccountState>.FromSnapshot(Instance, LedgerPayloads, account, snapshot);

    public override string Name => TypeName;

    public override AccountState Initial => AccountState.Empty;

    internal override bool KeyIsEntityId => true;

    public override void RegisterPayloads(PayloadTypes payloads) => payloads
        .AddEncoded<Deposited>(Deposited.KindName)
        .AddEncoded<Debited>(Debited.KindName)
        .AddEncoded<Credited>(Credited.KindName)
        .AddEncoded<PaidOut>(PaidOut.KindName)
        .AddEncoded<OverdraftApology>(OverdraftApology.KindName)
        .AddEncoded<HoldPlaced>(HoldPlaced.KindName)
        .AddEncoded<HoldCaptured>(HoldCaptured.KindName)
        .AddEncoded<HoldReleased>(HoldReleased.KindName)
        .AddEscrowHandOver();

    public override AccountState Apply(AccountState state, object payload, EventContext context) => state.With((EventPayload)payload, context);

    public override ConsistencyMode ModeOf(object command) => command switch
    {
        Debited debit => debit.Mode,
        PaidOut or HeldDebit or HoldPlaced or HoldCaptured or HoldReleased => ConsistencyMode.Strict,
        _ => ConsistencyMode.Optimistic,
    };

    public override object? Decide(AccountState state, object command, CommandContext context) => Decide(state, command, context.Key, context.Region, reserved: 0);

    public BoundedCounter EscrowOf(AccountState state) => state.Escrow;

    /// <summary>Payouts, strict transfers and holds spend the deciding region's share; a batch's held legs were covered when the batch reserved them.</summary>
    public long EscrowSpendOf(object command) => command switch
    {
        PaidOut payout => payout.Amount,
        Debited { Mode: ConsistencyMode.Strict } debit => debit.Amount,
        HoldPlaced hold => hold.Amount,
        _ => 0,
    };

    /// <summary>A hold's capture or release is decided by the region that placed it; one this region knows no open hold for is refused here.</summary>
    public override string? DecidingRegionOf(AccountState state, object command, string region) => command switch
    {
        IHoldResolution r => state.Holds.TryGetValue(r.HoldId, out var hold) ? hold.Owner : region,
        _ => null,
    };

    /// <summary>
    /// The decision in <paramref name="region"/>, with <paramref name="reserved"/> minor units held back for batch
    /// transfers (at home only). A strict debit needs the balance to cover it and, since other regions may spend their
    /// shares at the same moment without asking, this region's escrow share too (I1).
    /// </summary>
    public static EventPayload Decide(AccountState state, object command, string account, string region, long reserved)
    {
        if (command is Debited { Mode: ConsistencyMode.Optimistic } && state.Frozen)
        {
            throw new AccountFrozenException(account, state.Balance);
        }

        var payload = command as EventPayload ?? throw new InvalidRequestException("command", $"An account has no command {command.GetType().Name}.");
        if (payload is IHoldResolution resolution)
        {
            // Backed by the hold: nothing more to check than that it is open and covers the capture.
            return DecideResolution(state, payload, resolution.HoldId, account);
        }

        var effect = LedgerTotals.EffectOf(payload);
        var debit = effect.Debited + effect.PaidOut + (payload is HoldPlaced hold ? hold.Amount : 0);
        var credit = effect.Deposited + effect.Credited;
        if (debit > 0 && debit > state.Available - reserved)
        {
            // Optimistic debits check this region's view of the balance only, and may leave its share in debt (I6).
            throw new InsufficientFundsException(account, debit, state.Available - reserved);
        }

        if (debit > 0 && Instance.ModeOf(command) == ConsistencyMode.Strict && debit > state.Escrow.RightsOf(region) - reserved)
        {
            throw new InsufficientShareException(account, region, debit, state.Escrow.RightsOf(region) - reserved, state.Available - reserved);
        }

        if (credit > 0 && state.Totals.Deposited + state.Totals.Credited > long.MaxValue - credit)
        {
            throw new InvalidRequestException("amount", $"Crediting {Money.Format(credit)} would overflow the totals of '{account}'.");
        }

        return payload;
    }

    private static EventPayload DecideResolution(AccountState state, EventPayload resolution, string holdId, string account)
    {
        if (state.ResolvedHolds.TryGetValue(holdId, out var outcome))
        {
            throw new HoldResolvedException(account, holdId, outcome);
        }

        if (!state.Holds.TryGetValue(holdId, out var hold))
        {
            throw new InvalidRequestException("hold", $"'{account}' has no hold '{holdId}' in this region's log.");
        }

        if (resolution is HoldCaptured capture && capture.Amount > hold.Amount)
        {
            throw new InvalidRequestException("amount", $"Capturing {Money.Format(capture.Amount)} of hold '{holdId}' on '{account}', which holds {Money.Format(hold.Amount)}: a capture takes at most its hold.");
        }

        return resolution;
    }

    private static PayloadTypes Registered(AccountType type)
    {
        var payloads = new PayloadTypes();
        type.RegisterPayloads(payloads);
        return payloads;
    }

    /// <summary>A retried hold asks for the same amount and payee; its expiry, computed from the clock of each attempt, may differ.</summary>
    public override bool IsRetryOf(object command, object payload) => command switch
    {
        HeldDebit held => held.Debit.Equals(payload),
        HoldPlaced hold => payload is HoldPlaced first && first.Amount == hold.Amount && string.Equals(first.To, hold.To, StringComparison.Ordinal),
        _ => command.Equals(payload),
    };

    public override IEnumerable<Apology> OwedApologies(AccountState state)
    {
        if (state.Balance < 0 && !state.OverdraftCovered)
        {
            yield return new Apology($"overdraft/{state.Apologies + 1}", new OverdraftApology(-state.Balance, state.OverdraftCauses));
        }
    }

    public override IEnumerable<string> CheckInvariants(AccountState state, bool atHome)
    {
        if (state.EscrowBreach is { } breach)
        {
            yield return $"I1: region '{breach.Origin}' spent beyond its escrow share at {breach}";
        }

        if (state.HoldBreach is { } holdBreach)
        {
            yield return $"I4: {holdBreach} resolves a hold that was not open, that its region did not place, or for more than it held";
        }

        if (atHome && !state.SawOptimisticDebit && state.LowestBalance < 0)
        {
            yield return $"I1: the account saw only strict debits, yet its home log reaches {Money.Format(state.LowestBalance)}";
        }
    }
}

/// <summary>A strict debit that a batch transfer's hold already decided: it draws on the batch's reservation.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.held-debit")]
internal sealed record HeldDebit([property: Id(0)] string BatchId, [property: Id(1)] Debited Debit);
