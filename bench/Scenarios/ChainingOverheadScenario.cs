using System.Diagnostics;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Hash-chaining overhead without a product switch to turn integrity off: the CPU the write path spends per
/// acknowledged deposit is measured under saturation, and the CPU of sealing (canonical encoding + SHA-256) and
/// of verifying the same events is measured on the events that run wrote. "Without chaining" is the write path's
/// CPU minus that share. Done for one region, and for three regions where every peer verifies each event twice.
/// </summary>
public sealed class ChainingOverheadScenario : IScenario
{
    /// <summary>Hash checks per event at each peer: the inbox checks the batch, the replica checks each new event.</summary>
    private const int VerificationsPerPeer = 2;

    public string Name => "chaining";

    public string Description => "write path with vs without hash chaining (seal and verify CPU as a share of write CPU)";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        var table = report.AddTable($"Hash chaining as a share of the optimistic deposit write path (process CPU per acknowledged write, {context.Callers} callers)", "deployment", "deposits/s", "CPU µs/write", "seal µs", "verify µs", "hashes/event", "chaining µs/write", "CPU µs/write without", "overhead");
        foreach (var regions in new[] { 1, 3 })
        {
            await using var deployment = await Deployment.StartAsync(context, regions, cancellationToken);
            var eu = deployment.Client("eu");
            var accounts = AccountNames.Any("chain", context.Pick(30, 1000));
            await Ledger.FundAsync(eu, accounts, 1m, "warm", cancellationToken);
            var randoms = Enumerable.Range(0, context.Callers).Select(w => context.RandomFor($"{Name}/{regions}/{w}")).ToArray();
            context.Progress(Name, $"{regions} region(s): saturating deposits");
            var load = await LoadDriver.RunClosedAsync(context.Callers, context.WarmUp, context.Measure, (w, n) =>
                eu.GetGrain<IAccountGrain>(accounts[randoms[w].Next(accounts.Length)]).DepositAsync(new DepositCommand($"h-{w}-{n}", 0.01m)), cancellationToken);

            var events = new List<EventEnvelope>();
            foreach (var account in accounts.Take(200))
            {
                events.AddRange((await deployment.Store("eu").ReadAsync(account, 1, 1000, cancellationToken)).Select(l => l.Event));
            }

            var minimum = context.Pick(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
            var seal = MicrosPerEvent(events.Count, minimum, () =>
            {
                foreach (var e in events)
                {
                    EventCodec.Seal(e.Id, e.RequestId, e.Hlc, e.Deps, e.Payload, e.PrevHash);
                }
            });
            var plain = MicrosPerEvent(events.Count, minimum, () =>
            {
                foreach (var e in events)
                {
                    _ = new EventEnvelope(e.Id, e.RequestId, e.Hlc, e.Deps, e.Payload, e.PrevHash, default);
                }
            });
            var verify = MicrosPerEvent(events.Count, minimum, () =>
            {
                foreach (var e in events)
                {
                    EventCodec.HasValidHash(e);
                }
            });

            var verifications = (regions - 1) * VerificationsPerPeer;
            var chaining = seal - plain + (verifications * verify);
            var cpu = load.CpuMicrosPerOp;
            var without = cpu - chaining;
            var overhead = chaining / without;
            var label = regions == 1 ? "one region" : "three regions";
            table.Row(label, load.Throughput, cpu, seal - plain, verify, 1 + verifications, chaining, without, Format.Percent(overhead));
            var key = regions == 1 ? "one-region" : "three-regions";
            report.Add($"{key}.throughput", load.Throughput, "deposits/s");
            report.Add($"{key}.cpu-per-write", cpu, "µs");
            report.Add($"{key}.seal", seal - plain, "µs/event");
            report.Add($"{key}.verify", verify, "µs/event");
            report.Add($"{key}.chaining-per-write", chaining, "µs");
            report.Add($"{key}.overhead", overhead, "x");
            report.Target($"chaining overhead ({label})", overhead, "<=", 0.10, "x");
        }

        report.Note("No switch disables chaining (integrity is not optional), so 'without' is computed: the write path's measured CPU per write minus the measured CPU of sealing at the origin and verifying at each peer, on the events this run wrote.");
        report.Note("CPU per write is the whole process (clients, silos, streams, derived views, replication) divided by acknowledged writes.");
    }

    private static double MicrosPerEvent(int count, TimeSpan minimum, Action pass)
    {
        pass();
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (clock.Elapsed < minimum)
        {
            pass();
            done += count;
        }

        return clock.Elapsed.TotalMicroseconds / done;
    }
}
