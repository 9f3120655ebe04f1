using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// An account folded from the winning events of its log (see <see cref="AccountType"/>). Every field depends on the
/// set of events only, so two regions that hold the same events hold byte-identical states: totals and shares are
/// sums, the debit window is the top of a total order, and whether an overdraft is apologised for is read from the
/// latest apology's causal past, not from the order the balance took here.
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

    /// <summary>The latest overdraft apology by (HLC, origin) and the causal past it saw; null before the first.</summary>
    public ApologyMark? LastApology { get; init; }

    /// <summary>Per origin, its latest debit (the highest sequence): what an apology must have seen to cover an overdraft.</summary>
    public ImmutableSortedDictionary<string, EventId> LatestDebits { get; init; } = ImmutableSortedDictionary<string, EventId>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>
    /// Overdrawn, and every debit was in the causal past of the latest apology: it covers this overdraft. A debit it did
    /// not see (one made concurrently elsewhere, or after the balance was back at 0) makes a new one owed.
    /// </summary>
    [JsonIgnore]
    public bool OverdraftCovered => Balance < 0 && LastApology is { } apology && LatestDebits.Values.All(apology.Saw);

    /// <summary>
    /// The debits behind the current overdraft, among those the latest apology did not see: in the window, the latest
    /// and every one linked to it by concurrency (debits made without knowing of each other are what overdraws an
    /// account), oldest first; then each origin's latest unseen debit that the window no longer holds.
    /// </summary>
    [JsonIgnore]
    public ImmutableArray<EventId> OverdraftCauses
    {
        get
        {
            var unseen = DebitWindow.Where(d => LastApology?.Saw(d.Id) != true).ToList();
            var causes = new HashSet<EventId>();
            if (unseen.Count > 0)
            {
                causes.Add(unseen[^1].Id);
                for (var grew = true; grew;)
                {
                    var linked = unseen.Where(d => !causes.Contains(d.Id) && unseen.Any(c => causes.Contains(c.Id) && d.IsConcurrentWith(c.Id, c.Deps))).ToList();
                    causes.UnionWith(linked.Select(d => d.Id));
                    grew = linked.Count > 0;
                }
            }

            var beyondWindow = LatestDebits.Values.Where(d => LastApology?.Saw(d) != true && !causes.Contains(d) && !unseen.Any(u => u.Id == d));
            return [.. unseen.Where(d => causes.Contains(d.Id)).Select(d => d.Id), .. beyondWindow];
        }
    }

    /// <summary>
    /// The latest debits by (HLC, origin) with their causal past, to name every concurrent debit behind an overdraft.
    /// Kept as the top <see cref="MaxTrackedDebits"/> of a total order, sorted, so that it is the same set in every
    /// region whatever order the debits arrived in.
    /// </summary>
    public ImmutableArray<DebitMark> DebitWindow { get; init; } = [];

    /// <summary>
    /// The lowest balance the log passed through while it held strict debits only (I1 at home); 0 from the first
    /// optimistic debit on. For an account I1 covers, every causal order passes through balances of at least 0 (each
    /// region's share is at least 0 at any causal cut), so this is the same in every region unless I1 is broken.
    /// </summary>
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

    /// <summary>Open two-phase holds by id (the request id of the hold's event).</summary>
    public ImmutableSortedDictionary<string, OpenHold> Holds { get; init; } = ImmutableSortedDictionary<string, OpenHold>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Resolved holds by id: <c>captured</c>, <c>voided</c> or <c>expired</c>.</summary>
    public ImmutableSortedDictionary<string, string> ResolvedHolds { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The first resolution of a hold that was not open, or made by a region other than its owner (an audit finding), if any.</summary>
    public EventId? HoldBreach { get; init; }

    /// <summary>What open holds reserve.</summary>
    [JsonIgnore]
    public long Held => Holds.IsEmpty ? 0 : Holds.Values.Sum(h => h.Amount);

    /// <summary>The balance less what holds reserve: what any debit may take.</summary>
    [JsonIgnore]
    public long Available => Balance - Held;

    /// <summary>What a strict debit decided in <paramref name="region"/> may take: its share, never more than the available balance.</summary>
    public long StrictAvailable(string region) => Math.Min(Available, Escrow.RightsOf(region));

    /// <summary>Overdrawn after an apology: optimistic debits are refused until the balance is back at 0.</summary>
    [JsonIgnore]
    public bool Frozen => Apologies > 0 && Balance < 0;

    /// <summary>The state after <paramref name="payload"/>.</summary>
    public AccountState With(EventPayload payload, EventContext e)
    {
        var effect = LedgerTotals.EffectOf(payload);
        var totals = Totals + effect;
        var isDebit = payload is Debited or PaidOut or HoldCaptured;

        var (holds, resolved, released, holdBreach) = WithHold(payload, e);
        var escrow = payload switch
        {
            Deposited or Credited => Escrow.Increment(e.Dot, effect.Deposited + effect.Credited),
            Debited or PaidOut => Escrow.Decrement(e.Dot, effect.Debited + effect.PaidOut),
            HoldPlaced hold => Escrow.Decrement(e.Dot, hold.Amount),
            HoldCaptured or HoldReleased => Escrow.Increment(e.Dot, released),
            EscrowShareGiven given => Escrow.Transfer(e.Dot, given.To, given.Amount),
            _ => Escrow,
        };
        var spendsShare = payload is PaidOut or Debited { Mode: ConsistencyMode.Strict } or EscrowShareGiven or HoldPlaced;
        var next = this with
        {
            Totals = totals,
            Escrow = escrow,
            EscrowBreach = EscrowBreach ?? (spendsShare && escrow.RightsOf(e.Origin) < 0 ? e.Id : null),
            Holds = holds,
            ResolvedHolds = resolved,
            HoldBreach = HoldBreach ?? holdBreach,
            LastActivity = LastActivity is { } last && last > e.Hlc ? last : e.Hlc,
            LowestBalance = SawOptimisticDebit || payload is Debited { Mode: ConsistencyMode.Optimistic } ? 0 : Math.Min(LowestBalance, totals.Balance),
            SawOptimisticDebit = SawOptimisticDebit || payload is Debited { Mode: ConsistencyMode.Optimistic },
            Apologies = Apologies + (payload is OverdraftApology ? 1 : 0),
        };

        var window = DebitWindow;
        if (isDebit)
        {
            // Insert in (HLC, origin) order and drop the lowest beyond the bound: the top of a total order is the same
            // set whatever order the debits arrive in, as long as none is dropped that a later one would bring back.
            var mark = new DebitMark(e.Id, e.Deps, e.Hlc);
            var at = window.Length;
            while (at > 0 && window[at - 1].Hlc > mark.Hlc)
            {
                at--;
            }

            window = window.Insert(at, mark);
            if (window.Length > MaxTrackedDebits)
            {
                window = window.RemoveAt(0);
            }
        }

        var latestDebits = isDebit && (!LatestDebits.TryGetValue(e.Origin, out var latest) || latest.Seq < e.Id.Seq) ? LatestDebits.SetItem(e.Origin, e.Id) : LatestDebits;
        var lastApology = payload is OverdraftApology && (LastApology is null || e.Hlc > LastApology.Hlc) ? new ApologyMark(e.Hlc, e.Deps) : LastApology;
        return next with { DebitWindow = window, LatestDebits = latestDebits, LastApology = lastApology };
    }

    /// <summary>The holds after <paramref name="payload"/>, and what a resolution returns to its owner's share.</summary>
    private (ImmutableSortedDictionary<string, OpenHold> Holds, ImmutableSortedDictionary<string, string> Resolved, long Released, EventId? Breach) WithHold(EventPayload payload, EventContext e)
    {
        switch (payload)
        {
            case HoldPlaced placed:
                return (Holds.SetItem(e.RequestId, new OpenHold(placed.Amount, placed.To, e.Origin, placed.ExpiresAtMs)), ResolvedHolds, 0, null);
            case HoldCaptured capture:
                return Resolve(capture.HoldId, "captured", capture.Amount, e);
            case HoldReleased release:
                return Resolve(release.HoldId, release.Expired ? "expired" : "voided", 0, e);
            default:
                return (Holds, ResolvedHolds, 0, null);
        }
    }

    private (ImmutableSortedDictionary<string, OpenHold>, ImmutableSortedDictionary<string, string>, long, EventId?) Resolve(string id, string outcome, long captured, EventContext e)
    {
        if (!Holds.TryGetValue(id, out var hold) || !string.Equals(hold.Owner, e.Origin, StringComparison.Ordinal) || captured > hold.Amount)
        {
            // Only the owner resolves a hold, once, for at most what it holds: anything else is a finding.
            return (Holds, ResolvedHolds, 0, e.Id);
        }

        return (Holds.Remove(id), ResolvedHolds.SetItem(id, outcome), hold.Amount - captured, null);
    }

    // Records compare arrays by reference; states compare by content.
    public bool Equals(AccountState? other) =>
        other is not null && Totals == other.Totals && LastActivity == other.LastActivity && Apologies == other.Apologies
        && LastApology == other.LastApology && LowestBalance == other.LowestBalance && SawOptimisticDebit == other.SawOptimisticDebit
        && DebitWindow.SequenceEqual(other.DebitWindow) && LatestDebits.SequenceEqual(other.LatestDebits)
        && Escrow.Equals(other.Escrow) && EscrowBreach == other.EscrowBreach
        && Holds.SequenceEqual(other.Holds) && ResolvedHolds.SequenceEqual(other.ResolvedHolds) && HoldBreach == other.HoldBreach;

    public override int GetHashCode() => HashCode.Combine(Totals, Apologies, DebitWindow.Length);
}

/// <summary>An open hold: what it reserves, for whom, the region that placed it (and alone resolves it), and when it expires (Unix ms).</summary>
internal sealed record OpenHold(long Amount, string To, string Owner, long ExpiresAtMs);

/// <summary>An overdraft apology's timestamp and the causal past it was decided on (its dependencies).</summary>
internal sealed record ApologyMark(HlcTimestamp Hlc, VersionVector Deps)
{
    /// <summary>Whether the apology's region had applied <paramref name="debit"/> when it decided.</summary>
    public bool Saw(EventId debit) => Deps[debit.Origin] >= debit.Seq;
}

/// <summary>A debit, its causal past, and its HLC (which orders the window).</summary>
internal sealed record DebitMark(EventId Id, VersionVector Deps, HlcTimestamp Hlc)
{
    public bool IsConcurrentWith(EventId other, VersionVector otherDeps) => otherDeps[Id.Origin] < Id.Seq && Deps[other.Origin] < other.Seq;
}
