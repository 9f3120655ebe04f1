namespace Concord.Grains.Interfaces.Derived;

/// <summary>
/// Ledger-wide totals for this region, derived from every account summary. Use key 0.
/// Conservation (I2) reads: <c>SumOfBalances == Deposited - PaidOut - InFlight</c>, and once every
/// transfer is credited, <c>InFlight == 0</c>.
/// </summary>
[Alias("concord.IRegionTotalsGrain")]
public interface IRegionTotalsGrain : IGrainWithIntegerKey
{
    [Alias("get")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<RegionTotals> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Rebuilds every account summary and the totals from the logs. Long-running on large regions.</summary>
    [Alias("rebuild")]
    [Events.RequiresRole(Events.ClientRole.Operator)]
    Task<RegionTotals> RebuildAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Sums over the accounts of one region. <see cref="Shares"/> is, per region, the escrow shares it holds over all
/// accounts as this region sees them (what each region may debit strictly without asking anyone), and
/// <see cref="Held"/> what open two-phase holds reserve.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.derived.region-totals")]
public sealed record RegionTotals(
    [property: Id(0)] long Accounts,
    [property: Id(1)] decimal SumOfBalances,
    [property: Id(2)] decimal Deposited,
    [property: Id(3)] decimal PaidOut,
    [property: Id(4)] decimal TransferredOut,
    [property: Id(5)] decimal TransferredIn,
    [property: Id(6)] System.Collections.Immutable.ImmutableSortedDictionary<string, decimal>? Shares = null,
    [property: Id(7)] decimal Held = 0m)
{
    public static RegionTotals Zero { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Debited but not yet credited.</summary>
    public decimal InFlight => TransferredOut - TransferredIn;

    /// <summary>True when the sums obey conservation (I2), counting money in flight.</summary>
    public bool IsConserved => SumOfBalances == Deposited - PaidOut - InFlight;

    public RegionTotals Add(RegionTotals other) => new(
        Accounts + other.Accounts,
        SumOfBalances + other.SumOfBalances,
        Deposited + other.Deposited,
        PaidOut + other.PaidOut,
        TransferredOut + other.TransferredOut,
        TransferredIn + other.TransferredIn,
        Combine(Shares, other.Shares, 1),
        Held + other.Held);

    public RegionTotals Subtract(RegionTotals other) => new(
        Accounts - other.Accounts,
        SumOfBalances - other.SumOfBalances,
        Deposited - other.Deposited,
        PaidOut - other.PaidOut,
        TransferredOut - other.TransferredOut,
        TransferredIn - other.TransferredIn,
        Combine(Shares, other.Shares, -1),
        Held - other.Held);

    // Records compare dictionaries by reference; totals compare by content (a missing Shares is no shares).
    public bool Equals(RegionTotals? other) =>
        other is not null && Accounts == other.Accounts && SumOfBalances == other.SumOfBalances && Deposited == other.Deposited
        && PaidOut == other.PaidOut && TransferredOut == other.TransferredOut && TransferredIn == other.TransferredIn && Held == other.Held
        && ShareList.SequenceEqual(other.ShareList);

    private IEnumerable<KeyValuePair<string, decimal>> ShareList => Shares ?? Enumerable.Empty<KeyValuePair<string, decimal>>();

    public override int GetHashCode() => HashCode.Combine(Accounts, SumOfBalances, Deposited, PaidOut, Held);

    public override string ToString() =>
        $"{Accounts} accounts, balances {SumOfBalances:0.00}, deposited {Deposited:0.00}, paid out {PaidOut:0.00}, transferred out {TransferredOut:0.00}, in {TransferredIn:0.00}, held {Held:0.00}, shares [{string.Join(", ", ShareList.Select(s => $"{s.Key} {s.Value:0.00}"))}]";

    private static System.Collections.Immutable.ImmutableSortedDictionary<string, decimal>? Combine(
        System.Collections.Immutable.ImmutableSortedDictionary<string, decimal>? a,
        System.Collections.Immutable.ImmutableSortedDictionary<string, decimal>? b,
        int sign)
    {
        if (b is null or { Count: 0 })
        {
            return a;
        }

        var result = a ?? System.Collections.Immutable.ImmutableSortedDictionary<string, decimal>.Empty.WithComparers(StringComparer.Ordinal);
        foreach (var (region, share) in b)
        {
            var sum = result.GetValueOrDefault(region) + (sign * share);
            result = sum == 0 ? result.Remove(region) : result.SetItem(region, sum);
        }

        return result;
    }
}
