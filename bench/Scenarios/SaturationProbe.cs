using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>The saturating rate of optimistic deposits into one region, measured in the scenario that loads at a share of it.</summary>
public static class SaturationProbe
{
    public static async Task<double> MeasureAsync(BenchContext context, string scenario, IClusterClient client, string[] accounts, CancellationToken cancellationToken)
    {
        var randoms = Enumerable.Range(0, context.Callers).Select(w => context.RandomFor($"{scenario}/saturation/{w}")).ToArray();
        var result = await LoadDriver.RunClosedAsync(
            context.Callers,
            context.WarmUp,
            context.Pick(TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(2)),
            (w, n) => client.GetGrain<IAccountGrain>(accounts[randoms[w].Next(accounts.Length)]).DepositAsync(new DepositCommand($"sat-{w}-{n}", 0.01m)),
            cancellationToken);
        context.Progress(scenario, $"saturating rate {result.Throughput:N0} deposits/s ({context.Callers} callers), errors {result.DescribeErrors()}");
        return result.Throughput;
    }
}
