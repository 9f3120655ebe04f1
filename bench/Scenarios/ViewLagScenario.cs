using System.Diagnostics;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Derived-view lag under background load at half the saturating rate: a probe deposits into one of a few probe
/// accounts, then watches that account's summary (inside the region) until it covers the event's position.
/// </summary>
public sealed class ViewLagScenario : IScenario
{
    public string Name => "view-lag";

    public string Description => "event appended (acknowledged) to account summary updated, at 50% load";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken);
        var inside = deployment.SiloGrains("eu");
        var probes = AccountNames.Any("probe", 8);
        var (eu, _, saturating, picks) = await HalfSaturation.PrepareAsync(context, Name, deployment, "view", cancellationToken, alsoFund: probes);
        var rate = saturating / 2;
        var duration = context.Pick(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        context.Progress(Name, $"offering {rate:N0} deposits/s to eu while probing views");
        var background = LoadDriver.RunPacedAsync(rate, duration, 200, n =>
            eu.GetGrain<IAccountGrain>(picks[n % picks.Length]).DepositAsync(new DepositCommand($"v-{n}", 0.01m)), cancellationToken);

        var lag = new LatencyRecorder();
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            var probe = probes[i % probes.Length];
            var receipt = await eu.GetGrain<IAccountGrain>(probe).DepositAsync(new DepositCommand($"probe-{i}", 0.01m), cancellationToken);
            var acked = Stopwatch.GetTimestamp();
            var summary = inside.GetGrain<IAccountSummaryGrain>(probe);
            await Deadline.UntilAsync(
                async () => (await summary.GetAsync(cancellationToken)).Position >= receipt.Position,
                TimeSpan.FromSeconds(10),
                $"the summary of {probe} to reach position {receipt.Position}",
                TimeSpan.FromMilliseconds(1),
                cancellationToken);
            lag.RecordTicks(Stopwatch.GetTimestamp() - acked);
        }

        var load = await background;
        var result = lag.Summary();
        report.AddTable($"View lag (account summary) at {rate:N0} deposits/s offered to eu (50% of {saturating:N0}/s)", "samples", "p50 ms", "p99 ms", "max ms", "background acked/s", "errors")
            .Row(result.Count, result.P50Ms, result.P99Ms, result.MaxMs, load.Throughput, load.DescribeErrors());
        report.Add("saturating.rate", saturating, "deposits/s");
        report.Add("view-lag.p50", result.P50Ms, "ms");
        report.Add("view-lag.p99", result.P99Ms, "ms");
        report.Add("view-lag.max", result.MaxMs, "ms");
        report.Add("view-lag.samples", result.Count, "probes");
        report.Target("view lag p99 at 50% load", result.P99Ms, "<=", 10, "ms");
        report.Note("Views are polled every ~1 ms from inside the region, so lags read up to ~1 ms high; the summary is pushed each group commit by the region's broadcast channel, so no poll period sets a floor.");
    }
}
