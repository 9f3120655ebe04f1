namespace Concord.Bench.Baseline;

/// <summary>B0: a plain Orleans grain call that writes one small state, the yardstick every write path is compared with.</summary>
[Alias("concord.bench.IBaselineGrain")]
public interface IBaselineGrain : IGrainWithStringKey
{
    [Alias("write")]
    Task<long> WriteAsync(long amount);
}
