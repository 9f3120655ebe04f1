using Concord.Bench.Baseline;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Samples.Venues;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Saturating throughput and latency of every write path against B0, 50 callers over TCP to region eu: first with eu
/// alone (the write path itself), then on the local three-region deployment (the write path and its replication to two
/// peers in the same process). In each, every path and then B0 is warmed until two runs in a row agree; B0 runs first and again last, and the
/// ratios use the mean of the two.
/// </summary>
public sealed class WritePathsScenario : IScenario
{
    public string Name => "write-paths";

    public string Description => "B0, the ledger's write paths and a registered entity's (venue holds), eu alone and with two peers: throughput, p50/p99/max, ratio to B0";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        var count = context.Pick(30, 1000);
        double oneRegionDeposits;
        double oneRegionDepositCpu;
        PathResults oneRegion;
        if (context.Postgres is { } cold)
        {
            context.Progress(Name, "warming the PostgreSQL server with P0 runs until two agree");
            await PostgresLedgerBaseline.WarmServerAsync(context, Name, cold, AccountNames.Any("p0", count), cancellationToken);
        }

        await using (var alone = await Deployment.StartAsync(context, 1, cancellationToken))
        {
            var eu = alone.Client("eu");
            var deposits = AccountNames.Any("dep1", count);
            var optimistic = AccountNames.Any("opt1", count);
            context.Progress(Name, $"eu alone; funding {count:N0} accounts");
            await Ledger.FundAsync(eu, optimistic, 1_000_000m, "fund", cancellationToken);
            var paths = new WritePaths(context, Name, "one-region", eu, count);
            var results = await paths.RunAsync([Deposit(eu, deposits), OptimisticTransfer(eu, optimistic), Payout(eu, optimistic)], cancellationToken);
            paths.Report(report, results, $"Write paths, {context.Callers} callers over TCP to eu, eu alone (no peers)");
            report.Target("optimistic deposit / B0, one region", results.Ratio("optimistic deposit"), ">=", 0.6, "x");
            report.Target("B0 before vs after, one region", results.B0Spread, "<=", 0.15, "apart");
            oneRegionDeposits = results.Throughput("optimistic deposit");
            oneRegionDepositCpu = results.CpuMicrosPerOp("optimistic deposit");
            oneRegion = results;
        }

        await MeasureTlsAsync(context, report, count, oneRegion, cancellationToken);

        double? p0 = null;
        if (context.Postgres is { } server)
        {
            context.Progress(Name, "P0: a plain Npgsql ledger, one transaction per deposit, on the same server");
            var plain = await PostgresLedgerBaseline.RunAsync(context, server, AccountNames.Any("p0", count), cancellationToken);
            context.Progress(Name, $"P0: {plain.Throughput:N0} deposits/s, p50 {plain.Latency.P50Ms:0.00} ms, p99 {plain.Latency.P99Ms:0.00} ms, errors {plain.DescribeErrors()}");
            p0 = plain.Throughput;
            report.Add("p0.throughput", plain.Throughput, "deposits/s");
            report.AddTable($"P0 on PostgreSQL: a plain Npgsql ledger, {context.Callers} callers, one transaction (insert the entry, update the balance) per deposit", "ops/s", "p50 ms", "p99 ms", "CPU µs/op", "errors")
                .Row(plain.Throughput, plain.Latency.P50Ms, plain.Latency.P99Ms, plain.CpuMicrosPerOp, plain.DescribeErrors());
            report.Target("Concord deposit / P0 on PostgreSQL, one region", oneRegionDeposits / plain.Throughput, ">=", 1.0, "x");
        }

        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken);
        var regions = deployment.Regions;
        var three = deployment.Client("eu");
        var us = deployment.Client("us");
        var depositAccounts = AccountNames.Any("dep", count);
        var optimisticAccounts = AccountNames.Any("opt", count);
        var payouts = AccountNames.HomedIn("pay", count, "eu", regions);
        var forwarded = AccountNames.HomedIn("fwd", count, "us", regions);
        var batches = AccountNames.HomedIn("bat", count, "eu", regions);
        context.Progress(Name, $"three regions up; funding {count * 4:N0} accounts");
        await Ledger.FundAsync(three, optimisticAccounts.Concat(payouts).Concat(batches), 1_000_000m, "fund", cancellationToken);
        await Ledger.FundAsync(us, forwarded, 1_000_000m, "fund", cancellationToken);
        var venues = Enumerable.Range(0, count).Select(i => $"venue-{i}").ToArray();
        // Opened at each venue's home, so the set-up does not queue a thousand strict forwards behind the funding.
        await Task.WhenAll(venues.Select(v => deployment.Client(HomeRegions.OfAccount(v, regions)).GetGrain<IVenueGrain>(v).OpenAsync($"open-{v}", 100_000, cancellationToken)));

        var threePaths = new WritePaths(context, Name, "three-regions", three, count);
        var measured = await threePaths.RunAsync(
            [
                Deposit(three, depositAccounts),
                OptimisticTransfer(three, optimisticAccounts),
                Payout(three, payouts),
                ("strict transfer forwarded", (random, w, n) =>
                {
                    var (from, to) = TwoOf(forwarded, random);
                    return three.GetGrain<IAccountGrain>(from).TransferAsync(new TransferCommand($"s-{w}-{n}", to, 0.01m, ConsistencyMode.Strict));
                }),
                ("optimistic hold (registered entity)", (random, w, n) => three.GetGrain<IVenueGrain>(venues[random.Next(count)]).HoldAsync($"h-{w}-{n}", $"guest-{w}")),
                ("batch transfer (transaction)", (random, w, n) =>
                {
                    var (a, b) = TwoOf(batches, random);
                    var legs = new[] { new TransferLeg(a, optimisticAccounts[random.Next(count)], 0.01m), new TransferLeg(b, optimisticAccounts[random.Next(count)], 0.01m) };
                    return three.GetGrain<IBatchTransferGrain>(0).TransferAsync(new BatchTransferCommand($"b-{w}-{n}", [.. legs]));
                }),
            ],
            cancellationToken);
        threePaths.Report(report, measured, $"Write paths, {context.Callers} callers over TCP to eu, three regions in one process");
        report.Target("optimistic deposit / B0, three regions", measured.Ratio("optimistic deposit"), ">=", 0.25, "x");
        report.Target("optimistic transfer / B0, three regions", measured.Ratio("optimistic transfer"), ">=", 0.15, "x");
        report.Target("B0 before vs after, three regions", measured.B0Spread, "<=", 0.15, "apart");

        // Both deployments run in this one process, so a peer's share is what two peers add to a deposit's CPU.
        var perPeer = (measured.CpuMicrosPerOp("optimistic deposit") - oneRegionDepositCpu) / (regions.Count - 1);
        report.Add("three-regions.optimistic-deposit.cpu-per-peer", perPeer, "µs/event");
        report.AddTable("CPU per deposit applied at a peer (estimated: three regions' CPU per deposit minus eu alone's, over the two peers)", "eu alone µs", "three regions µs", "per peer µs")
            .Row(oneRegionDepositCpu, measured.CpuMicrosPerOp("optimistic deposit"), perPeer);
        if (p0 is { } plainRate)
        {
            report.Add("three-regions.optimistic-deposit.vs-p0", measured.Throughput("optimistic deposit") / plainRate, "x");
        }

        report.Note("The venue hold runs the public entity API end to end: canonical JSON encoding, the generic fold, replication to two peers and the activity view.");
        report.Note("With three regions, every region, both replicators per region and the load clients share this process and its cores: a write's replication to two peers is paid inside the measured throughput.");
        report.Note("B0 spread is |B0 after - B0 before| / their mean; every path, then B0, is first warmed in one-second runs until two in a row agree within 10% (B0 at least three runs; each at most fifteen).");
    }

    /// <summary>eu alone again with every hop over TLS, as the local default runs: B0 and deposits against the plain run just before.</summary>
    private async Task MeasureTlsAsync(BenchContext context, ScenarioReport report, int count, PathResults plain, CancellationToken cancellationToken)
    {
        await using var secured = await Deployment.StartAsync(context, 1, cancellationToken, tls: true);
        var eu = secured.Client("eu");
        context.Progress(Name, "eu alone over TLS");
        var results = await new WritePaths(context, Name, "one-region-tls", eu, count).RunAsync([Deposit(eu, AccountNames.Any("tls", count))], cancellationToken);
        var table = report.AddTable($"What TLS costs, eu alone, {context.Callers} callers: the same paths over TLS against plain TCP just before", "path", "plain ops/s", "TLS ops/s", "TLS / plain", "plain CPU µs/op", "TLS CPU µs/op");
        static double Rate(PathResults run, string path) => path == "B0" ? run.Baseline : run.Throughput(path);
        foreach (var path in new[] { "B0", "optimistic deposit" })
        {
            var ratio = Rate(results, path) / Rate(plain, path);
            table.Row(path, Rate(plain, path), Rate(results, path), ratio, plain.CpuMicrosPerOp(path), results.CpuMicrosPerOp(path));
            report.Add($"one-region-tls.{path.Replace(' ', '-')}.vs-plain", ratio, "x");
        }

        report.Note("The TLS run is a separate eu, warmed the same way; B0 ops/s is the mean of its two runs in each, its CPU the first run's.");
    }

    private static (string Path, WritePaths.Operation Call) Deposit(IClusterClient client, string[] accounts) =>
        ("optimistic deposit", (random, w, n) => client.GetGrain<IAccountGrain>(accounts[random.Next(accounts.Length)]).DepositAsync(new DepositCommand($"d-{w}-{n}", 0.01m)));

    private static (string Path, WritePaths.Operation Call) OptimisticTransfer(IClusterClient client, string[] accounts) =>
        ("optimistic transfer", (random, w, n) =>
        {
            var (from, to) = TwoOf(accounts, random);
            return client.GetGrain<IAccountGrain>(from).TransferAsync(new TransferCommand($"t-{w}-{n}", to, 0.01m, ConsistencyMode.Optimistic));
        });

    private static (string Path, WritePaths.Operation Call) Payout(IClusterClient client, string[] accounts) =>
        ("strict payout at home", (random, w, n) => client.GetGrain<IAccountGrain>(accounts[random.Next(accounts.Length)]).PayoutAsync(new PayoutCommand($"p-{w}-{n}", 0.01m)));

    private static (string, string) TwoOf(string[] accounts, Random random)
    {
        var a = random.Next(accounts.Length);
        var b = (a + 1 + random.Next(accounts.Length - 1)) % accounts.Length;
        return (accounts[a], accounts[b]);
    }
}
