using Concord.Grains.Interfaces.Derived;

namespace Concord.Grains.Derived;

/// <summary>
/// One slice of the region totals: the latest contribution of each account hashed to it. Account
/// summaries report their whole contribution with its log position, so a report is idempotent.
/// </summary>
[Alias("concord.IRegionTotalsShardGrain")]
public interface IRegionTotalsShardGrain : IGrainWithIntegerKey
{
    [Alias("report")]
    Task ReportAsync(string account, AccountContribution contribution, CancellationToken cancellationToken = default);

    [Alias("get")]
    Task<RegionTotals> GetAsync(CancellationToken cancellationToken = default);

    [Alias("reset")]
    Task ResetAsync(CancellationToken cancellationToken = default);
}

/// <summary>An account's share of the region totals as of its log position. <see cref="Replace"/> overrides a newer stored one (rebuilds).</summary>
[GenerateSerializer, Immutable, Alias("concord.derived.account-contribution")]
public sealed record AccountContribution(
    [property: Id(0)] long Position,
    [property: Id(1)] RegionTotals Totals,
    [property: Id(2)] bool Replace = false);

/// <summary>How accounts map to totals shards. Changing <see cref="Count"/> requires a totals rebuild.</summary>
public static class RegionTotalsShards
{
    public const int Count = 8;

    public static int ShardOf(string account) => (int)(Concord.Grains.Interfaces.Events.Fnv1a.Hash32(account) % Count);
}
