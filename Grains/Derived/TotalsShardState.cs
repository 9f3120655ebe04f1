namespace Concord.Grains.Derived;

[GenerateSerializer, Alias("concord.derived.totals-shard-state")]
public sealed class TotalsShardState
{
    [Id(0)]
    public Dictionary<string, AccountContribution> Accounts { get; set; } = new(StringComparer.Ordinal);
}
