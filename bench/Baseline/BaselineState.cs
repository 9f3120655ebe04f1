namespace Concord.Bench.Baseline;

[GenerateSerializer, Alias("concord.bench.baseline-state")]
public sealed class BaselineState
{
    [Id(0)]
    public long Writes { get; set; }

    [Id(1)]
    public long Total { get; set; }
}
