using System.Diagnostics;
using System.Security.Cryptography;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Audit rate of one region: a full audit (chains, snapshots, replicas, views, totals, invariants) over logs of
/// two shapes, against raw SHA-256 over the very same canonical event bytes on this machine, in this run.
/// </summary>
public sealed class AuditRateScenario : IScenario
{
    private const int MeasuredAudits = 5;

    public string Name => "audit";

    public string Description => "events verified per second by a full audit vs raw SHA-256 over the same bytes";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        var table = report.AddTable("Audit of one region (no peers) vs one thread of SHA256.HashData over the same canonical bodies", "log shape", "entities", "events", "first audit s", "audit s", "audit events/s", "raw SHA-256 events/s", "raw MB/s", "encode+hash events/s", "audit / raw", "findings");
        foreach (var (shape, accounts, events) in new[]
        {
            ("long", context.Pick(20, 100), context.Pick(20, 200)),
            ("short", context.Pick(100, 2000), 5),
        })
        {
            await using var deployment = await Deployment.StartAsync(context, 1, cancellationToken);
            var eu = deployment.Client("eu");
            var names = AccountNames.Any($"audit-{shape}", accounts);
            context.Progress(Name, $"{shape} logs: writing {accounts:N0} accounts x {events} events");
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 50, CancellationToken = cancellationToken }, async (account, ct) =>
            {
                for (var i = 0; i < events; i++)
                {
                    await eu.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand($"a-{i}", 1m), ct);
                }
            });
            var inside = deployment.SiloGrains("eu");
            await Deadline.UntilAsync(
                async () => (await Task.WhenAll(names.Select(a => inside.GetGrain<IAccountSummaryGrain>(a).GetAsync(cancellationToken)))).All(s => s.Position == events),
                TimeSpan.FromSeconds(60), "every account summary to catch up before the audit", TimeSpan.FromMilliseconds(50), cancellationToken);

            context.Progress(Name, $"{shape} logs: auditing");
            // The first audit of a process pays for JIT and first activations of the audit path; the median of the next
            // five is measured (one audit of these logs takes a tenth of a second, where this machine's noise is large).
            var first = await eu.GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest(), cancellationToken);
            var audits = new List<AuditReport>();
            for (var i = 0; i < MeasuredAudits; i++)
            {
                audits.Add(await eu.GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest(), cancellationToken));
            }

            var audit = audits.OrderBy(a => a.Duration).ElementAt(MeasuredAudits / 2);
            var auditRate = audit.Events / audit.Duration.TotalSeconds;

            var bodies = await CanonicalBodiesAsync(deployment, names, cancellationToken);
            var envelopes = bodies.Envelopes;
            var minimum = context.Pick(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
            var raw = Rate(bodies.Bodies.Count, minimum, () =>
            {
                Span<byte> digest = stackalloc byte[32];
                foreach (var body in bodies.Bodies)
                {
                    SHA256.HashData(body, digest);
                }
            });
            var verify = Rate(envelopes.Count, minimum, () =>
            {
                foreach (var e in envelopes)
                {
                    if (!EventCodec.HasValidHash(e))
                    {
                        throw new InvalidOperationException($"event {e.Id} does not verify");
                    }
                }
            });
            var mbPerSecond = raw * bodies.Bodies.Average(b => b.Length) / 1e6;
            var ratio = auditRate / raw;
            table.Row(shape, audit.Entities, audit.Events, first.Duration.TotalSeconds, audit.Duration.TotalSeconds, auditRate, raw, mbPerSecond, verify, Format.Percent(ratio), audit.Findings.IsDefaultOrEmpty ? 0 : audit.Findings.Length);
            report.Add($"{shape}.audit.rate", auditRate, "events/s");
            report.Add($"{shape}.first-audit.rate", first.Events / first.Duration.TotalSeconds, "events/s");
            report.Add($"{shape}.raw-sha256.rate", raw, "events/s");
            report.Add($"{shape}.encode-and-hash.rate", verify, "events/s");
            report.Add($"{shape}.audit-over-raw", ratio, "x");
            report.Add($"{shape}.findings", audit.Findings.IsDefaultOrEmpty ? 0 : audit.Findings.Length, "findings");
            report.Target($"audit rate / raw SHA-256 ({shape} logs)", ratio, ">=", shape == "long" ? 0.5 : 0.3, "x");
        }

        report.Note("Raw SHA-256 hashes each event's canonical body (what the chain hashes) one call per event, on one thread, as the auditor does; 'encode+hash' adds re-encoding the envelope, which any verifier of an in-memory event must do.");
        report.Note("Beyond hashing, the audit folds every log once (every plug-in shares the fold) and makes two grain calls per account (replica with its stored snapshot, summary caught up), so short logs pay per entity.");
        report.Note("Each deployment is audited six times: the first pays for JIT and first activations (its time is the 'first audit s' column); the median of the five after it is measured.");
    }

    private static async Task<(List<byte[]> Bodies, List<EventEnvelope> Envelopes)> CanonicalBodiesAsync(Deployment deployment, string[] accounts, CancellationToken cancellationToken)
    {
        var store = deployment.Store("eu");
        var bodies = new List<byte[]>();
        var envelopes = new List<EventEnvelope>();
        foreach (var account in accounts)
        {
            foreach (var logged in await store.ReadAsync(account, 1, int.MaxValue, cancellationToken))
            {
                var encoded = EventCodec.Encode(logged.Event);
                bodies.Add(encoded[..^ChainHash.Length]);
                envelopes.Add(logged.Event);
            }
        }

        return (bodies, envelopes);
    }

    /// <summary>Items per second of <paramref name="pass"/> (one pass over <paramref name="items"/>), repeated for at least <paramref name="minimum"/>.</summary>
    private static double Rate(int items, TimeSpan minimum, Action pass)
    {
        pass();
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (clock.Elapsed < minimum)
        {
            pass();
            done += items;
        }

        return done / clock.Elapsed.TotalSeconds;
    }
}
