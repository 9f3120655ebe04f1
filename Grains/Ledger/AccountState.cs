using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// An account folded from the winning events of its log (see <see cref="AccountType"/>). Totals are sums, so they
/// depend on the set of events only; the overdraft tracking follows this region's log order, which is the home's
/// order where it matters (the apology is decided there).
/// </summary>
internal sealed record AccountState
{
    public const int MaxTrackedDebits = 32;

    public static AccountState Empty { get; } = new();

    public LedgerTotals Totals { get; init; }

    [JsonIgnore]
    public long Balance => Totals.Balance;

    /// <summary>The latest event's timestamp (the largest HLC folded).</summary>
    public HlcTimestamp? LastActivity { get; init; }

    /// <summary>Overdraft apologies in the log.</summary>
    public int Apologies { get; init; }

    /// <summary>An apology covers the current overdraft: set by an apology, cleared when the balance is back at 0 or above.</summary>
    public bool OverdraftOpen { get; init; }

    /// <summary>The debits behind the current overdraft: the one that crossed zero, those concurrent with it, and later ones.</summary>
    public ImmutableArray<EventId> RecentDebits { get; init; } = [];

    /// <summary>The last debits folded with their causal past, to name every concurrent debit behind an overdraft.</summary>
    public ImmutableArray<DebitMark> DebitWindow { get; init; } = [];

    /// <summary>The lowest balance this log passed through, in its order (I1 at home).</summary>
    public long LowestBalance { get; init; }

    /// <summary>Whether any optimistic debit was folded (I1 holds only for accounts that saw strict debits alone).</summary>
    public bool SawOptimisticDebit { get; init; }

    /// <summary>
    /// Per region, its escrow share of the balance: the right to debit the account strictly without asking anyone (see
    /// <see cref="AccountType"/>). Every credit adds to its origin's share, every debit takes from its origin's share,
    /// so the shares add up to the balance; an optimistic debit beyond its region's share leaves that region in debt.
    /// </summary>
    public BoundedCounter Escrow { get; init; } = BoundedCounter.Empty;

    /// <summary>The first strict debit or hand-over after which its region's share was negative (an I1 breach), if any.</summary>
    public EventId? EscrowBreach { get; init; }

    /// <summary>What a strict debit decided in <paramref name="region"/> may take: its share, never more than the balance.</summary>
    public long StrictAvailable(string region) => Math.Min(Balance, Escrow.RightsOf(region));

    /// <summary>Overdrawn after an apology: optimistic debits are refused until the balance is back at 0.</summary>
    [JsonIgnore]
    public bool Frozen => Apologies > 0 && Balance < 0;

    /// <summary>The state after <paramref name="payload"/>.</summary>
    public AccountState With(EventPayload payload, EventContext e)
    {
        var effect = LedgerTotals.EffectOf(payload);
        var totals = Totals + effect;
        var isDebit = payload is Debited or PaidOut;
        var escrow = payload switch
        {
            Deposited or Credited => Escrow.Increment(e.Dot, effect.Deposited + effect.Credited),
            Debited or PaidOut => Escrow.Decrement(e.Dot, effect.Debited + effect.PaidOut),
            EscrowShareGiven given => Escrow.Transfer(e.Dot, given.To, given.Amount),
            _ => Escrow,
        };
        var spendsShare = payload is PaidOut or Debited { Mode: ConsistencyMode.Strict } or EscrowShareGiven;
        var next = this with
        {
            Totals = totals,
            Escrow = escrow,
            EscrowBreach = EscrowBreach ?? (spendsShare && escrow.RightsOf(e.Origin) < 0 ? e.Id : null),
            LastActivity = LastActivity is { } last && last > e.Hlc ? last : e.Hlc,
            LowestBalance = Math.Min(LowestBalance, totals.Balance),
            SawOptimisticDebit = SawOptimisticDebit || payload is Debited { Mode: ConsistencyMode.Optimistic },
            Apologies = Apologies + (payload is OverdraftApology ? 1 : 0),
        };

        var recent = RecentDebits;
        var open = OverdraftOpen;
        if (totals.Balance >= 0)
        {
            open = false;
            recent = [];
        }
        else if (isDebit && recent.Length < MaxTrackedDebits)
        {
            if (recent.IsEmpty)
            {
                // The debit that crossed zero, and every earlier debit it did not know of, caused it together.
                recent = [.. DebitWindow.Where(d => d.IsConcurrentWith(e.Id, e.Deps)).Select(d => d.Id).Take(MaxTrackedDebits - 1)];
            }

            recent = recent.Add(e.Id);
        }

        var window = DebitWindow;
        if (isDebit)
        {
            window = window.Add(new DebitMark(e.Id, e.Deps));
            if (window.Length > MaxTrackedDebits)
            {
                window = window.RemoveAt(0);
            }
        }

        return next with { RecentDebits = recent, DebitWindow = window, OverdraftOpen = open || payload is OverdraftApology };
    }

    // Records compare arrays by reference; states compare by content.
    public bool Equals(AccountState? other) =>
        other is not null && Totals == other.Totals && LastActivity == other.LastActivity && Apologies == other.Apologies
        && OverdraftOpen == other.OverdraftOpen && LowestBalance == other.LowestBalance && SawOptimisticDebit == other.SawOptimisticDebit
        && RecentDebits.SequenceEqual(other.RecentDebits) && DebitWindow.SequenceEqual(other.DebitWindow)
        && Escrow.Equals(other.Escrow) && EscrowBreach == other.EscrowBreach;

    public override int GetHashCode() => HashCode.Combine(Totals, Apologies, RecentDebits.Length);
}

/// <summary>A debit and its causal past.</summary>
internal sealed record DebitMark(EventId Id, VersionVector Deps)
{
    public bool IsConcurrentWith(EventId other, VersionVector otherDeps) => otherDeps[Id.Origin] < Id.Seq && Deps[other.Origin] < other.Seq;
}
