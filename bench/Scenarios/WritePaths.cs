using Concord.Bench.Baseline;
using Concord.Bench.Harness;

namespace Concord.Bench.Scenarios;

/// <summary>
/// One deployment's write paths against B0: every path and then B0 unmeasured until each is steady, then B0, each
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

        // Every path first, then B0, each until it is steady: the paths warm code B0 shares with them (Orleans'
        // messaging, the silo's scheduler), which a B0 measured before them would run colder than one measured after;
        // on PostgreSQL they also warm the region's fresh database.
        context.Progress(scenario, $"{variant}: warming every path until it is steady, unmeasured");
        foreach (var (path, call) in paths)
        {
            await WarmUntilSteadyAsync(path, call, context.Pick(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1)), 1, MaxWarmUps, cancellationToken);
        }

        await WarmUntilSteadyAsync("B0", Baseline, context.Pick(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)), MinWarmUps, MaxWarmUps, cancellationToken);

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

    /// <summary>
    /// A path in short runs until two in a row agree within 10% (JIT tiering, the GC and the store settle before
    /// anything is compared with it), at least <paramref name="minRuns"/> (in a quick pass only that many) and at most
    /// <paramref name="maxRuns"/>.
    /// </summary>
    private async Task WarmUntilSteadyAsync(string path, Operation call, TimeSpan each, int minRuns, int maxRuns, CancellationToken cancellationToken)
    {
        double? previous = null;
        for (var run = 1; run <= (context.Quick ? minRuns : maxRuns); run++)
        {
            var result = await RunOnceAsync($"warm-{run}", path, call, TimeSpan.Zero, each, cancellationToken, idOffset: run * 1_000_000_000L);
            context.Progress(scenario, $"{variant}: {path} warm-up {run}: {result.Throughput:N0} ops/s");
            if (run >= Math.Max(2, minRuns) && previous is { } last && Math.Abs(result.Throughput - last) <= SteadyWithin * Math.Max(last, result.Throughput))
            {
                return;
            }

            previous = result.Throughput;
        }
    }

    private Task<LoadResult> RunOnceAsync(string round, string path, Operation call, TimeSpan warmUp, TimeSpan measure, CancellationToken cancellationToken, long idOffset = 0)
    {
        var randoms = Enumerable.Range(0, context.Callers).Select(w => context.RandomFor($"{scenario}/{variant}/{round}/{path}/{w}")).ToArray();
        // Unmeasured rounds number their calls below zero, each round from its own offset, so no request id is reused.
        return LoadDriver.RunClosedAsync(context.Callers, warmUp, measure, (w, n) => call(randoms[w], w, round == "measured" ? n : -1 - n - idOffset), cancellationToken);
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
