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

/// <summary>Sums over the accounts of one region, in minor units.</summary>
[GenerateSerializer, Immutable, Alias("concord.derived.region-totals")]
public sealed record RegionTotals(
    [property: Id(0)] long Accounts,
    [property: Id(1)] decimal SumOfBalances,
    [property: Id(2)] decimal Deposited,
    [property: Id(3)] decimal PaidOut,
    [property: Id(4)] decimal TransferredOut,
    [property: Id(5)] decimal TransferredIn)
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
        TransferredIn + other.TransferredIn);

    public RegionTotals Subtract(RegionTotals other) => new(
        Accounts - other.Accounts,
        SumOfBalances - other.SumOfBalances,
        Deposited - other.Deposited,
        PaidOut - other.PaidOut,
        TransferredOut - other.TransferredOut,
        TransferredIn - other.TransferredIn);
}
