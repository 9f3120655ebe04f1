using System.Diagnostics;
using Concord.Bench.Harness;
using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// What sessions cost under the replication scenario's load (deposits into eu at half the saturating rate): pairs of a
/// deposit in eu and, at once, a read of the same account in us or ap, half carrying the session's dependency (as the
/// SDK sends it) and half not. Reports how often a session read waited, its wait and added latency (p50, p99), and how
/// often a read without the session missed the write just made.
/// </summary>
public sealed class SessionWaitScenario : IScenario
{
    private const string Waits = "concord.sessions.wait";
    private const string Refusals = "concord.sessions.refused";
    private const string Fetched = "concord.sessions.fetched";

    public string Name => "sessions";

    public string Description => "session waits and added read latency in us, ap right after a write in eu, under the replication scenario's load";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken);
        var (eu, accounts, saturating, picks) = await HalfSaturation.PrepareAsync(context, Name, deployment, "ses", cancellationToken);
        var rate = saturating / 2;
        var pairRate = context.Pick(20.0, 100.0);
        var duration = context.Pick(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        context.Progress(Name, $"offering {rate:N0} deposits/s to eu, and {pairRate:N0} write-then-read pairs/s");

        var withSession = new ReadOutcomes();
        var without = new ReadOutcomes();
        LoadResult load, pairs;
        using (var tap = new MetricTap(ConcordMetrics.MeterName, Waits, Refusals, Fetched))
        {
            var background = LoadDriver.RunPacedAsync(rate, duration, 200, n =>
                eu.GetGrain<IAccountGrain>(picks[n % picks.Length]).DepositAsync(new DepositCommand($"r-{n}", 0.01m)), cancellationToken);
            var paired = LoadDriver.RunPacedAsync(pairRate, duration, 50, async n =>
            {
                var account = picks[(int)((n * 7919) % picks.Length)];
                var receipt = await eu.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand($"pair-{n}", 0.01m));
                var reader = deployment.Client(n % 2 == 0 ? "us" : "ap").GetGrain<IAccountGrain>(account);
                var session = (n / 2) % 2 == 0;
                var outcomes = session ? withSession : without;
                if (session)
                {
                    RequestContext.Set(SessionTokens.RequestContextKey, SessionTokens.DependencyOf(account, VersionVector.Empty.With("eu", receipt.EventId.Seq)));
                }

                var start = Stopwatch.GetTimestamp();
                try
                {
                    var view = await reader.GetBalanceAsync();
                    outcomes.Read(Stopwatch.GetTimestamp() - start, sawWrite: view.Version["eu"] >= receipt.EventId.Seq);
                }
                finally
                {
                    RequestContext.Remove(SessionTokens.RequestContextKey);
                }
            }, cancellationToken);
            load = await background;
            pairs = await paired;
            context.Progress(Name, $"done: {load.Throughput:N0} deposits/s acknowledged, {pairs.Ops:N0} pairs, errors {load.DescribeErrors()} / {pairs.DescribeErrors()}");
            Report(report, tap, withSession, without, (rate, pairRate), saturating, load, pairs);
        }

        if (withSession.Missed > 0)
        {
            throw new InvalidOperationException($"{withSession.Missed} reads that carried their session did not see the write it named: a session guarantee is broken.");
        }
    }

    private static void Report(ScenarioReport report, MetricTap tap, ReadOutcomes withSession, ReadOutcomes without, (double Deposits, double Pairs) offered, double saturating, LoadResult load, LoadResult pairs)
    {
        var waits = tap.Histogram(Waits);
        var session = withSession.Latency.Summary();
        var plain = without.Latency.Summary();
        var waitedShare = session.Count == 0 ? double.NaN : 100.0 * waits.Count / session.Count;
        report.AddTable(
                $"Reads in us or ap right after a deposit in eu, with {offered.Deposits:N0} deposits/s offered to eu (50% of {saturating:N0}/s saturating)",
                "read", "reads", "p50 ms", "p99 ms", "saw the write %", "waited", "waited %", "wait p50 ms", "wait p99 ms", "refused", "events fetched")
            .Row("with the session", session.Count, session.P50Ms, session.P99Ms, withSession.SawPercent, waits.Count, waitedShare, waits.P50Ms, waits.P99Ms, tap.Total(Refusals), tap.Total(Fetched))
            .Row("without", plain.Count, plain.P50Ms, plain.P99Ms, without.SawPercent, "-", "-", "-", "-", "-", "-");
        report.Add("session.reads", session.Count, "reads");
        report.Add("session.waited", waitedShare, "%");
        report.Add("session.wait.p50", waits.P50Ms, "ms");
        report.Add("session.wait.p99", waits.P99Ms, "ms");
        report.Add("session.added.p50", session.P50Ms - plain.P50Ms, "ms");
        report.Add("session.added.p99", session.P99Ms - plain.P99Ms, "ms");
        report.Add("session.refused", tap.Total(Refusals), "reads");
        report.Add("plain.saw-write", without.SawPercent, "%");
        report.AddTable("Offered load", "kind", "offered/s", "acknowledged/s", "missed slots", "p50 ms", "p99 ms", "errors")
            .Row("deposits into eu", offered.Deposits, load.Throughput, load.Missed, load.Latency.P50Ms, load.Latency.P99Ms, load.DescribeErrors())
            .Row("write-then-read pairs", offered.Pairs, pairs.Throughput, pairs.Missed, pairs.Latency.P50Ms, pairs.Latency.P99Ms, pairs.DescribeErrors());
        report.Note("A session read waits only when its region has not applied the write yet; \"waited\" counts those (the concord.sessions.wait histogram), and their wait is the added latency they paid.");
        report.Note("Added latency is the session reads' percentile minus the plain reads' (both include the read itself); reads without the session that missed the write are what the session prevents.");
    }

    /// <summary>Reads of one kind: their latency and whether each saw the write just made.</summary>
    private sealed class ReadOutcomes
    {
        private long _saw;
        private long _missed;

        public LatencyRecorder Latency { get; } = new();

        public long Missed => Interlocked.Read(ref _missed);

        public double SawPercent => Latency.Count == 0 ? double.NaN : 100.0 * Interlocked.Read(ref _saw) / Latency.Count;

        public void Read(long ticks, bool sawWrite)
        {
            Latency.RecordTicks(ticks);
            Interlocked.Increment(ref sawWrite ? ref _saw : ref _missed);
        }
    }
}
