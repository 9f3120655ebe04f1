using Concord.Bench.Baseline;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Samples.Venues;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Saturating throughput and latency of every write path against B0, on the local three-region deployment,
/// 50 callers over TCP to region eu. B0 runs first and again last; the ratios use the mean of the two.
/// </summary>
public sealed class WritePathsScenario : IScenario
{
    public string Name => "write-paths";

    public string Description => "B0, the ledger's five write paths and a registered entity's (venue holds): throughput, p50/p99/max, ratio to B0";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken);
        var regions = deployment.Regions;
        var eu = deployment.Client("eu");
        var us = deployment.Client("us");
        var count = context.Pick(30, 1000);
        var deposits = AccountNames.Any("dep", count);
        var optimistic = AccountNames.Any("opt", count);
        var payouts = AccountNames.HomedIn("pay", count, "eu", regions);
        var forwarded = AccountNames.HomedIn("fwd", count, "us", regions);
        var batches = AccountNames.HomedIn("bat", count, "eu", regions);
        context.Progress(Name, $"three regions up; funding {count * 4:N0} accounts");
        await Ledger.FundAsync(eu, optimistic.Concat(payouts).Concat(batches), 1_000_000m, "fund", cancellationToken);
        await Ledger.FundAsync(us, forwarded, 1_000_000m, "fund", cancellationToken);
        var venues = Enumerable.Range(0, count).Select(i => $"venue-{i}").ToArray();
        // Opened at each venue's home, so the set-up does not queue a thousand strict forwards behind the funding.
        await Task.WhenAll(venues.Select(v => deployment.Client(HomeRegions.OfAccount(v, regions)).GetGrain<IVenueGrain>(v).OpenAsync($"open-{v}", 100_000, cancellationToken)));

        var results = new List<(string Path, LoadResult Result)>();
        var round = "warm";
        async Task MeasureAsync(string path, Func<Random, int, long, Task> operation, TimeSpan? warmUp = null)
        {
            var randoms = Enumerable.Range(0, context.Callers).Select(w => context.RandomFor($"{Name}/{round}/{path}/{w}")).ToArray();
            if (round == "warm")
            {
                // A first pass over every path, unmeasured, so that no path runs on colder code or a colder silo than B0.
                await LoadDriver.RunClosedAsync(context.Callers, TimeSpan.Zero, context.Pick(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1)), (w, n) => operation(randoms[w], w, -1 - n), cancellationToken);
                return;
            }

            context.Progress(Name, $"measuring {path}");
            var result = await LoadDriver.RunClosedAsync(context.Callers, warmUp ?? context.WarmUp, context.Measure, (w, n) => operation(randoms[w], w, n), cancellationToken);
            results.Add((path, result));
            context.Progress(Name, $"{path}: {result.Throughput:N0} ops/s, p50 {result.Latency.P50Ms:0.00} ms, p99 {result.Latency.P99Ms:0.00} ms, errors {result.DescribeErrors()}");
        }

        Task Baseline(Random random, int worker, long n) => eu.GetGrain<IBaselineGrain>($"b0-{random.Next(count)}").WriteAsync(1);

        context.Progress(Name, "warming every path once, unmeasured");
        foreach (var pass in new[] { "warm", "measured" })
        {
            round = pass;
            await MeasureAsync("B0", Baseline);
            await MeasureAsync("optimistic deposit", (random, w, n) =>
                eu.GetGrain<IAccountGrain>(deposits[random.Next(count)]).DepositAsync(new DepositCommand($"d-{w}-{n}", 0.01m)));
            await MeasureAsync("optimistic transfer", (random, w, n) =>
            {
                var (from, to) = TwoOf(optimistic, random);
                return eu.GetGrain<IAccountGrain>(from).TransferAsync(new TransferCommand($"t-{w}-{n}", to, 0.01m, ConsistencyMode.Optimistic));
            });
            await MeasureAsync("strict payout at home", (random, w, n) =>
                eu.GetGrain<IAccountGrain>(payouts[random.Next(count)]).PayoutAsync(new PayoutCommand($"p-{w}-{n}", 0.01m)));
            await MeasureAsync("strict transfer forwarded", (random, w, n) =>
            {
                var (from, to) = TwoOf(forwarded, random);
                return eu.GetGrain<IAccountGrain>(from).TransferAsync(new TransferCommand($"s-{w}-{n}", to, 0.01m, ConsistencyMode.Strict));
            });
            await MeasureAsync("optimistic hold (registered entity)", (random, w, n) =>
                eu.GetGrain<IVenueGrain>(venues[random.Next(count)]).HoldAsync($"h-{w}-{n}", $"guest-{w}"));
            await MeasureAsync("batch transfer (transaction)", (random, w, n) =>
            {
                var (a, b) = TwoOf(batches, random);
                var legs = new[] { new TransferLeg(a, optimistic[random.Next(count)], 0.01m), new TransferLeg(b, optimistic[random.Next(count)], 0.01m) };
                return eu.GetGrain<IBatchTransferGrain>(0).TransferAsync(new BatchTransferCommand($"b-{w}-{n}", [.. legs]));
            }, context.Pick(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)));
            await MeasureAsync("B0 (again)", Baseline);
        }

        var baseline = (results[0].Result.Throughput + results[^1].Result.Throughput) / 2;
        report.Add("baseline.throughput", baseline, "ops/s (mean of the two B0 runs)");
        var table = report.AddTable($"Write paths, {context.Callers} callers over TCP to eu, three regions in one process", "path", "ops/s", "p50 ms", "p99 ms", "max ms", "vs B0", "CPU µs/op", "errors");
        foreach (var (path, result) in results)
        {
            var key = Key(path);
            var ratio = result.Throughput / baseline;
            report.Add($"{key}.throughput", result.Throughput, "ops/s");
            report.Add($"{key}.p50", result.Latency.P50Ms, "ms");
            report.Add($"{key}.p99", result.Latency.P99Ms, "ms");
            report.Add($"{key}.max", result.Latency.MaxMs, "ms");
            report.Add($"{key}.vs-b0", ratio, "x");
            report.Add($"{key}.cpu-per-op", result.CpuMicrosPerOp, "µs of process CPU");
            report.Add($"{key}.errors", result.ErrorCount, "calls");
            table.Row(path, result.Throughput, result.Latency.P50Ms, result.Latency.P99Ms, result.Latency.MaxMs, Format.Ratio(ratio), result.CpuMicrosPerOp, result.DescribeErrors());
        }

        report.Target("optimistic deposit throughput / B0", results[1].Result.Throughput / baseline, ">=", 0.40, "x");
        report.Target("optimistic transfer throughput / B0", results[2].Result.Throughput / baseline, ">=", 0.40, "x");
        report.Note("The venue hold runs the public entity API end to end: canonical JSON encoding, the generic fold, replication to two peers and the activity view.");
        report.Note("Every region, both replicators per region and the load clients share this process and its cores: a write's replication to two peers is paid inside the measured throughput.");
    }

    private static (string, string) TwoOf(string[] accounts, Random random)
    {
        var a = random.Next(accounts.Length);
        var b = (a + 1 + random.Next(accounts.Length - 1)) % accounts.Length;
        return (accounts[a], accounts[b]);
    }

    private static string Key(string path) => new([.. path.Replace(" (transaction)", string.Empty, StringComparison.Ordinal).Replace(" (registered entity)", string.Empty, StringComparison.Ordinal).Replace("(again)", "again", StringComparison.Ordinal)
        .Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]);
}
