using Concord.Bench.Baseline;
using Concord.Bench.Harness;

namespace Concord.Bench.Scenarios;

/// <summary>
/// One deployment's write paths against B0: every path once unmeasured, B0 until it is steady, then B0, each
/// path and B0 again, measured. Prefix <paramref name="variant"/> names the figures (<c>one-region.optimistic-deposit.throughput</c>).
/// </summary>
internal sealed class WritePaths(BenchContext context, string scenario, string variant, IClusterClient eu, int baselineGrains)
{
    /// <summary>A path: its name and one call, given the caller's random source, the caller and its call number.</summary>
    public delegate Task Operation(Random random, int worker, long n);

    private const double SteadyWithin = 0.10;
    private const int MinWarmUps = 3;
    private const int MaxWarmUps = 15;

    public async Task<PathResults> RunAsync(IReadOnlyList<(string Path, Operation Call)> paths, CancellationToken cancellationToken)
    {
        Task Baseline(Random random, int worker, long n) => eu.GetGrain<IBaselineGrain>($"b0-{random.Next(baselineGrains)}").WriteAsync(1);

        // Every path first, then B0 until it is steady: the paths warm code B0 shares with them (Orleans' messaging,
        // the silo's scheduler), which a B0 measured before them would run colder than one measured after.
        context.Progress(scenario, $"{variant}: warming every path once, unmeasured");
        foreach (var (path, call) in paths)
        {
            await RunOnceAsync("warm", path, call, TimeSpan.Zero, context.Pick(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1)), cancellationToken);
        }

        await WarmBaselineAsync(Baseline, cancellationToken);

        var results = new List<(string Path, LoadResult Result)>();
        foreach (var (path, call) in paths.Prepend(("B0", Baseline)).Append(("B0 (again)", Baseline)))
        {
            context.Progress(scenario, $"{variant}: measuring {path}");
            var result = await RunOnceAsync("measured", path, call, context.WarmUp, context.Measure, cancellationToken);
            results.Add((path, result));
            context.Progress(scenario, $"{variant}: {path}: {result.Throughput:N0} ops/s, p50 {result.Latency.P50Ms:0.00} ms, p99 {result.Latency.P99Ms:0.00} ms, errors {result.DescribeErrors()}");
        }

        return new PathResults(results);
    }

    public void Report(ScenarioReport report, PathResults results, string title)
    {
        report.Add($"{variant}.baseline.throughput", results.Baseline, "ops/s (mean of the two B0 runs)");
        report.Add($"{variant}.baseline.spread", results.B0Spread, "|after - before| / mean");
        var table = report.AddTable(title, "path", "ops/s", "p50 ms", "p99 ms", "max ms", "vs B0", "CPU µs/op", "errors");
        foreach (var (path, result) in results.All)
        {
            var key = $"{variant}.{Key(path)}";
            report.Add($"{key}.throughput", result.Throughput, "ops/s");
            report.Add($"{key}.p50", result.Latency.P50Ms, "ms");
            report.Add($"{key}.p99", result.Latency.P99Ms, "ms");
            report.Add($"{key}.vs-b0", result.Throughput / results.Baseline, "x");
            report.Add($"{key}.cpu-per-op", result.CpuMicrosPerOp, "µs of process CPU");
            report.Add($"{key}.errors", result.ErrorCount, "calls");
            table.Row(path, result.Throughput, result.Latency.P50Ms, result.Latency.P99Ms, result.Latency.MaxMs, Format.Ratio(result.Throughput / results.Baseline), result.CpuMicrosPerOp, result.DescribeErrors());
        }
    }

    /// <summary>B0 in short runs until two in a row agree: JIT tiering and the GC settle before anything is compared with it.</summary>
    private async Task WarmBaselineAsync(Operation baseline, CancellationToken cancellationToken)
    {
        double? previous = null;
        for (var run = 1; run <= MaxWarmUps; run++)
        {
            var result = await RunOnceAsync($"b0-warm-{run}", "B0", baseline, TimeSpan.Zero, context.Pick(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)), cancellationToken);
            context.Progress(scenario, $"{variant}: B0 warm-up {run}: {result.Throughput:N0} ops/s");
            if (run >= MinWarmUps && previous is { } last && Math.Abs(result.Throughput - last) <= SteadyWithin * Math.Max(last, result.Throughput))
            {
                return;
            }

            previous = result.Throughput;
        }
    }

    private Task<LoadResult> RunOnceAsync(string round, string path, Operation call, TimeSpan warmUp, TimeSpan measure, CancellationToken cancellationToken)
    {
        var randoms = Enumerable.Range(0, context.Callers).Select(w => context.RandomFor($"{scenario}/{variant}/{round}/{path}/{w}")).ToArray();
        // Unmeasured rounds number their calls below zero, so no request id of theirs is reused by the measured one.
        return LoadDriver.RunClosedAsync(context.Callers, warmUp, measure, (w, n) => call(randoms[w], w, round == "measured" ? n : -1 - n), cancellationToken);
    }

    private static string Key(string path) => new([.. path.Replace(" (transaction)", string.Empty, StringComparison.Ordinal).Replace(" (registered entity)", string.Empty, StringComparison.Ordinal).Replace("(again)", "again", StringComparison.Ordinal)
        .Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]);
}

/// <summary>The measured runs of one deployment's paths, B0 first and last.</summary>
internal sealed class PathResults(IReadOnlyList<(string Path, LoadResult Result)> all)
{
    public IReadOnlyList<(string Path, LoadResult Result)> All => all;

    /// <summary>The mean of the two B0 runs.</summary>
    public double Baseline => (all[0].Result.Throughput + all[^1].Result.Throughput) / 2;

    /// <summary>How far the two B0 runs are apart, as a share of their mean.</summary>
    public double B0Spread => Math.Abs(all[^1].Result.Throughput - all[0].Result.Throughput) / Baseline;

    public double Throughput(string path) => all.Single(r => r.Path == path).Result.Throughput;

    public double Ratio(string path) => Throughput(path) / Baseline;

    public double CpuMicrosPerOp(string path) => all.Single(r => r.Path == path).Result.CpuMicrosPerOp;
}
