using System.Collections.Concurrent;
using System.Diagnostics;
using Concord.Bench.Harness;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Replication lag at half the saturating write rate: deposits into eu, paced; for every acknowledged event,
/// the time from the writer's acknowledgement until the event is durable at us and at ap. Also batches per event.
/// </summary>
public sealed class ReplicationLagScenario : IScenario
{
    public string Name => "replication";

    public string Description => "replication lag eu -> us, ap at 50% of the saturating rate; batches per replicated event; store reads of the idle regions afterwards";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        var stores = new CountingStores();
        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken, stores.Install);
        var (eu, _, saturating, picks) = await HalfSaturation.PrepareAsync(context, Name, deployment, "rep", cancellationToken);

        var peers = new[] { "us", "ap" };
        var before = await PeerStatusesAsync(eu, cancellationToken);
        var watchers = new Dictionary<string, FeedWatcher>(StringComparer.Ordinal);
        foreach (var peer in peers)
        {
            watchers[peer] = await FeedWatcher.StartAsync(deployment.Store(peer), "eu");
        }

        var acked = new ConcurrentDictionary<(string Entity, long Seq), long>();
        var rate = saturating / 2;
        context.Progress(Name, $"offering {rate:N0} deposits/s to eu");
        var load = await LoadDriver.RunPacedAsync(rate, context.Pick(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10)), 200, async n =>
        {
            var receipt = await eu.GetGrain<IAccountGrain>(picks[n % picks.Length]).DepositAsync(new DepositCommand($"r-{n}", 0.01m));
            acked[(receipt.EventId.EntityId, receipt.EventId.Seq)] = Stopwatch.GetTimestamp();
        }, cancellationToken);
        context.Progress(Name, $"offered load done: {load.Throughput:N0} acknowledged/s, missed slots {load.Missed}, errors {load.DescribeErrors()}");

        foreach (var (peer, watcher) in watchers)
        {
            await Deadline.UntilAsync(() => Task.FromResult(acked.Keys.All(watcher.Seen.ContainsKey)), TimeSpan.FromSeconds(30), $"every acknowledged event to reach {peer}", cancellationToken);
        }

        var after = await PeerStatusesAsync(eu, cancellationToken);
        var table = report.AddTable($"Replication lag from eu at {rate:N0} events/s offered (50% of {saturating:N0}/s saturating), acknowledgement to durable at the peer", "peer", "events", "p50 ms", "p99 ms", "max ms", "p99/p50", "batches", "batches/event");
        var all = new LatencyRecorder();
        long allBatches = 0, allShipped = 0;
        foreach (var peer in peers)
        {
            var lag = new LatencyRecorder();
            foreach (var ((entity, seq), ackAt) in acked)
            {
                var ticks = watchers[peer].Seen[(entity, seq)] - ackAt;
                lag.RecordTicks(ticks);
                all.RecordTicks(ticks);
            }

            var summary = lag.Summary();
            var batches = after[peer].Batches - before[peer].Batches;
            var shipped = after[peer].Shipped - before[peer].Shipped;
            allBatches += batches;
            allShipped += shipped;
            table.Row(peer, summary.Count, summary.P50Ms, summary.P99Ms, summary.MaxMs, summary.P99OverP50, batches, (double)batches / shipped);
            report.Add($"lag.{peer}.p50", summary.P50Ms, "ms");
            report.Add($"lag.{peer}.p99", summary.P99Ms, "ms");
            report.Add($"lag.{peer}.max", summary.MaxMs, "ms");
            report.Add($"lag.{peer}.acked-after-seen", lag.Negative, "events");
        }

        await Task.WhenAll(watchers.Values.Select(w => w.DisposeAsync().AsTask()));
        var total = all.Summary();
        var perEvent = (double)allBatches / allShipped;
        report.Add("saturating.rate", saturating, "deposits/s");
        report.Add("offered.rate", rate, "deposits/s");
        report.Add("lag.p50", total.P50Ms, "ms");
        report.Add("lag.p99", total.P99Ms, "ms");
        report.Add("lag.max", total.MaxMs, "ms");
        report.Add("lag.p99-over-p50", total.P99OverP50, "x");
        report.Add("batches-per-event", perEvent, "batches");
        report.Add("write.p99", load.Latency.P99Ms, "ms");
        report.Add("acknowledged.rate", load.Throughput, "deposits/s");
        report.Add("offered.missed-slots", load.Missed, "slots");
        report.AddTable("Offered load", "offered/s", "acknowledged/s", "missed slots (200 outstanding)", "write p50 ms", "write p99 ms", "errors")
            .Row(rate, load.Throughput, load.Missed, load.Latency.P50Ms, load.Latency.P99Ms, load.DescribeErrors());
        report.Target("replication lag p99 at 50% load", total.P99Ms, "<=", 25, "ms");
        report.Target("replication lag p99/p50", total.P99OverP50, "<=", 4, "x");
        report.Target("batches per replicated event", perEvent, "<=", 0.1, "batches");
        report.Note("A batch is one request and one acknowledgement; anti-entropy digest rounds (every 5 s per link) and signed checkpoints (every 10 s) are not counted.");
        report.Note("Seen times come from polling each peer's feed about every 1 ms, so lags read up to ~1 ms high.");

        await MeasureIdleReadsAsync(context, report, deployment, stores, cancellationToken);
    }

    /// <summary>After the load, once every region holds everything: what each region's store is asked per second while nothing is written.</summary>
    private async Task MeasureIdleReadsAsync(BenchContext context, ScenarioReport report, Deployment deployment, CountingStores stores, CancellationToken cancellationToken)
    {
        await Deadline.UntilAsync(deployment.DigestsEqualAsync, TimeSpan.FromSeconds(30), "the regions to converge after the load", cancellationToken);

        // The load's aftermath ends first: the views' repair passes (DerivedRepairDelay after it) and the checkpoint
        // signer reading the load's events (within one CheckpointInterval).
        var defaults = new ConcordOptions();
        await Task.Delay(context.Pick(TimeSpan.FromSeconds(0.5), defaults.CheckpointInterval + defaults.DerivedRepairDelay), cancellationToken);
        var window = context.Pick(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        context.Progress(Name, $"idle: counting store reads for {window.TotalSeconds:0.#} s");
        string[] regions = ["eu", "us", "ap"];
        var before = regions.ToDictionary(r => r, r => (Feed: stores[r].FeedReads, AntiEntropy: stores[r].AntiEntropyReads, Other: stores[r].OtherReads), StringComparer.Ordinal);
        await Task.Delay(window, cancellationToken);
        var table = report.AddTable($"Store reads per second of an idle region (one silo each), over {window.TotalSeconds:0.#} s", "region", "feed reads/s", "anti-entropy reads/s", "other reads/s");
        var worst = 0.0;
        foreach (var region in regions)
        {
            var seconds = window.TotalSeconds;
            var feed = (stores[region].FeedReads - before[region].Feed) / seconds;
            var antiEntropy = (stores[region].AntiEntropyReads - before[region].AntiEntropy) / seconds;
            var other = (stores[region].OtherReads - before[region].Other) / seconds;
            table.Row(region, feed, antiEntropy, other);
            report.Add($"idle.{region}.feed-reads", feed, "reads/s");
            report.Add($"idle.{region}.other-reads", other, "reads/s");
            worst = Math.Max(worst, feed + other);
        }

        report.Target("store reads per second, idle region, beyond anti-entropy", worst, "<=", 0, "reads/s");
        report.Note("Anti-entropy reads are the digest and its buckets (every AntiEntropyInterval per link); 'other' counts every other read, heads and logs included (replication lag gauges and checkpoints read feed heads).");
    }

    private static async Task<Dictionary<string, PeerStatus>> PeerStatusesAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        var status = await client.GetGrain<IRegionAdminGrain>(0).GetStatusAsync(cancellationToken);
        return status.Peers.ToDictionary(p => p.Peer, StringComparer.Ordinal);
    }
}
