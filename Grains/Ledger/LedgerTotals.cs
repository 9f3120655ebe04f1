using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// Sums over an account's winning events, in minor units. Sums commute, so the totals are a function of
/// the set of events, whatever order they were applied in.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.totals")]
public readonly record struct LedgerTotals(
    [property: Id(0)] long Deposited,
    [property: Id(1)] long Credited,
    [property: Id(2)] long Debited,
    [property: Id(3)] long PaidOut)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public long Balance => Deposited + Credited - Debited - PaidOut;

    /// <summary>The effect one payload has on the totals; payloads that move no money have none.</summary>
    public static LedgerTotals EffectOf(EventPayload payload) => payload switch
    {
        Deposited d => new(d.Amount, 0, 0, 0),
        Credited c => new(0, c.Amount, 0, 0),
        Debited d => new(0, 0, d.Amount, 0),
        PaidOut p => new(0, 0, 0, p.Amount),
        HoldCaptured c => new(0, 0, c.Amount, 0),
        _ => default,
    };

    /// <summary>One account's share of the region totals, in the decimals users see.</summary>
    public Interfaces.Derived.RegionTotals ToRegionTotals() =>
        new(1, Money.ToDecimal(Balance), Money.ToDecimal(Deposited), Money.ToDecimal(PaidOut), Money.ToDecimal(Debited), Money.ToDecimal(Credited));

    /// <summary>An account's contribution to the region totals: its sums, its escrow shares per region and what its holds reserve.</summary>
    internal static Interfaces.Derived.RegionTotals ContributionOf(AccountState state) =>
        state.Totals.ToRegionTotals() with
        {
            Shares = state.Escrow.Regions
                .Select(r => (Region: r, Share: state.Escrow.RightsOf(r)))
                .Where(s => s.Share != 0)
                .ToImmutableSortedDictionary(s => s.Region, s => Money.ToDecimal(s.Share), StringComparer.Ordinal),
            Held = Money.ToDecimal(state.Held),
        };

    public static LedgerTotals operator +(LedgerTotals a, LedgerTotals b) =>
        new(a.Deposited + b.Deposited, a.Credited + b.Credited, a.Debited + b.Debited, a.PaidOut + b.PaidOut);

    public static LedgerTotals operator -(LedgerTotals a, LedgerTotals b) =>
        new(a.Deposited - b.Deposited, a.Credited - b.Credited, a.Debited - b.Debited, a.PaidOut - b.PaidOut);
}
