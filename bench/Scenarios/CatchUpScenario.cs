using System.Diagnostics;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Partition catch-up: deposits into eu at half the saturating rate; us is cut off from both peers for a while,
/// then healed. Measures the backlog, the wait before the first event arrives after healing (link back-off), the
/// drain rate as a multiple of the ingest rate, and the time from healing until all digests are equal.
/// </summary>
public sealed class CatchUpScenario : IScenario
{
    public string Name => "catch-up";

    public string Description => "cut us under load, heal: backlog drain rate vs ingest, time to equal digests";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken);
        var eu = deployment.Client("eu");
        var accounts = AccountNames.Any("cu", context.Pick(30, 1000));
        await Ledger.FundAsync(eu, accounts, 1m, "warm", cancellationToken);
        var saturating = await SaturationProbe.MeasureAsync(context, Name, eu, accounts, cancellationToken);
        await Deadline.UntilAsync(deployment.DigestsEqualAsync, TimeSpan.FromSeconds(30), "the regions to converge after the probe", cancellationToken);

        var euStore = deployment.Store("eu");
        var usStore = deployment.Store("us");
        async Task<long> BacklogAsync() => await euStore.GetFeedHeadAsync("eu") - await usStore.GetFeedHeadAsync("eu");

        var rate = saturating / 2;
        var lead = context.Pick(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2));
        var partition = context.Pick(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        var random = context.RandomFor($"{Name}/load");
        var picks = Enumerable.Range(0, 1 << 16).Select(_ => accounts[random.Next(accounts.Length)]).ToArray();
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        context.Progress(Name, $"offering {rate:N0} deposits/s to eu; cutting us for {partition.TotalSeconds:0.#} s");
        var load = LoadDriver.RunPacedAsync(rate, TimeSpan.FromMinutes(3), 200, n =>
            eu.GetGrain<IAccountGrain>(picks[n % picks.Length]).DepositAsync(new DepositCommand($"c-{n}", 0.01m)), stopLoad.Token);

        await Task.Delay(lead, cancellationToken);
        deployment.Isolate("us", cut: true);
        var ingestStart = await euStore.GetFeedHeadAsync("eu");
        var ingestClock = Stopwatch.StartNew();
        await Task.Delay(partition, cancellationToken);
        var ingestRate = (await euStore.GetFeedHeadAsync("eu") - ingestStart) / ingestClock.Elapsed.TotalSeconds;
        var backlog = await BacklogAsync();
        var arrivedAtHeal = await usStore.GetFeedHeadAsync("eu");
        deployment.Isolate("us", cut: false);
        var sinceHeal = Stopwatch.StartNew();
        context.Progress(Name, $"healed with a backlog of {backlog:N0} events (ingest {ingestRate:N0}/s)");

        var firstArrival = await Deadline.UntilAsync(async () => await usStore.GetFeedHeadAsync("eu") > arrivedAtHeal, TimeSpan.FromSeconds(30), "the first event to reach us after healing", TimeSpan.FromMilliseconds(2), cancellationToken);
        var arrivedAtFirst = await usStore.GetFeedHeadAsync("eu");
        var steady = Math.Max(50, (long)(rate * 0.05));
        var drainClock = Stopwatch.StartNew();
        await Deadline.UntilAsync(async () => await BacklogAsync() <= steady, TimeSpan.FromSeconds(90), $"the backlog at us to fall to {steady} events", TimeSpan.FromMilliseconds(5), cancellationToken);
        var drainTime = drainClock.Elapsed;
        var drained = await usStore.GetFeedHeadAsync("eu") - arrivedAtFirst;
        var drainRate = drained / drainTime.TotalSeconds;

        await stopLoad.CancelAsync();
        var loaded = await load;
        var loadStopped = sinceHeal.Elapsed;
        var converged = await Deadline.UntilAsync(deployment.DigestsEqualAsync, TimeSpan.FromSeconds(60), "equal digests after healing", TimeSpan.FromMilliseconds(10), cancellationToken);
        var toEqual = loadStopped + converged;
        var multiple = drainRate / ingestRate;

        report.AddTable($"Catch-up of us after a {partition.TotalSeconds:0.#} s partition under {rate:N0} deposits/s offered to eu", "backlog", "ingest/s", "first arrival after heal s", "drain s", "drain/s", "drain / ingest", "heal to equal digests s", "load stopped at s")
            .Row(backlog, ingestRate, firstArrival.TotalSeconds, drainTime.TotalSeconds, drainRate, Format.Ratio(multiple), toEqual.TotalSeconds, loadStopped.TotalSeconds);
        report.Add("backlog", backlog, "events");
        report.Add("ingest.rate", ingestRate, "events/s");
        report.Add("first-arrival-after-heal", firstArrival.TotalSeconds, "s");
        report.Add("drain.seconds", drainTime.TotalSeconds, "s");
        report.Add("drain.rate", drainRate, "events/s");
        report.Add("drain-over-ingest", multiple, "x");
        report.Add("heal-to-equal-digests", toEqual.TotalSeconds, "s");
        report.Add("load.errors", loaded.ErrorCount, "calls");
        report.Target("catch-up drain rate / ingest rate", multiple, ">=", 3, "x");
        report.Note("The drain counts eu's events arriving at us (from eu, or relayed by ap's anti-entropy) from the first arrival after healing until the backlog is back to its steady level, while the load goes on; the wait before the first arrival is the replicator's back-off (doubling to LinkMaxBackoff, 5 s).");
        report.Note("The load stops once the backlog is drained; 'heal to equal digests' is measured from healing until all three regions' digests are equal.");
    }
}
