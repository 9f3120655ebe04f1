namespace Concord.Grains.Derived;

[GenerateSerializer, Alias("concord.derived.totals-shard-state")]
public sealed class TotalsShardState
{
    // Id 0 held contributions in minor units; a shard that reads such a record starts empty, and every account's
    // summary reports its contribution again when it next activates (or on a totals rebuild).
    [Id(1)]
    public Dictionary<string, AccountContribution> Accounts { get; set; } = new(StringComparer.Ordinal);
}
