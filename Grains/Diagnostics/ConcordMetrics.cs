using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Concord.Grains.Diagnostics;

/// <summary>
/// The <c>Concord</c> meter. Instruments are tagged with the region, so several regions in one process stay
/// apart. Export it with OpenTelemetry (the silo's <c>--metrics-port</c> serves Prometheus) or read it with
/// <c>dotnet-counters monitor --counters Concord</c>. docs/operations.md lists every instrument.
/// </summary>
public sealed class ConcordMetrics : IDisposable
{
    public const string MeterName = "Concord";

    private readonly Meter _meter;
    private readonly Counter<long> _auditRuns;
    private readonly Counter<long> _auditEvents;
    private readonly Counter<long> _auditFindings;
    private readonly Counter<long> _rejectedBatches;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _applied;
    private readonly Counter<long> _apologies;
    private readonly Counter<long> _batchesSent;
    private readonly Counter<long> _eventsSent;
    private readonly Counter<long> _strictForwards;
    private readonly Counter<long> _strictForwardFailures;
    private readonly Counter<long> _transactionAborts;
    private readonly Counter<long> _sessionRefusals;
    private readonly Histogram<double> _sessionWaits;
    private readonly Counter<long> _sessionFetched;
    private readonly Counter<long> _escrowAsks;
    private readonly Counter<long> _escrowGiven;
    private readonly Counter<long> _repairPasses;
    private long _appendedTotal;
    private long _appliedTotal;
    private readonly ConcurrentDictionary<(string Region, string Peer), (long Events, long Ms)> _lag = new();

    public ConcordMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _auditRuns = _meter.CreateCounter<long>("concord.audit.runs", description: "Audits completed.");
        _auditEvents = _meter.CreateCounter<long>("concord.audit.events_verified", description: "Events whose hash and chain link an audit verified.");
        _auditFindings = _meter.CreateCounter<long>("concord.audit.findings", description: "Problems audits found, by kind.");
        _rejectedBatches = _meter.CreateCounter<long>("concord.replication.rejected", description: "Replication batches and checkpoints refused (authentication, replay, bad event or signature).");
        _appended = _meter.CreateCounter<long>("concord.events.appended", description: "Events this region originated and appended to its logs.");
        _applied = _meter.CreateCounter<long>("concord.events.applied", description: "Events of other origins appended to this region's logs (replication, repairs, forwarded results).");
        _apologies = _meter.CreateCounter<long>("concord.apologies", description: "Apologies this region decided and appended, by kind.");
        _batchesSent = _meter.CreateCounter<long>("concord.replication.batches_sent", description: "Replication batches a peer acknowledged, by peer.");
        _eventsSent = _meter.CreateCounter<long>("concord.replication.events_sent", description: "Events in acknowledged replication batches (feed and repairs), by peer.");
        _strictForwards = _meter.CreateCounter<long>("concord.strict.forwards", description: "Strict operations forwarded to their home region, by home.");
        _strictForwardFailures = _meter.CreateCounter<long>("concord.strict.forward_failures", description: "Strict forwards that failed with CoordinationUnavailable, by home.");
        _sessionRefusals = _meter.CreateCounter<long>("concord.sessions.refused", description: "Calls refused because the replica could not apply the caller's session in time, by entity type.");
        _sessionWaits = _meter.CreateHistogram<double>("concord.sessions.wait", unit: "ms", description: "How long calls that had to wait for their session waited before the replica had applied it, by entity type.");
        _sessionFetched = _meter.CreateCounter<long>("concord.sessions.fetched", description: "Events a replica took from peers because a session needed them before replication brought them, by entity type.");
        _escrowAsks = _meter.CreateCounter<long>("concord.escrow.asks", description: "Requests for escrow share this region sent to peers (rebalancing), by entity type.");
        _escrowGiven = _meter.CreateCounter<long>("concord.escrow.given", description: "Escrow hand-overs this region appended for a peer that asked, by entity type.");
        _repairPasses = _meter.CreateCounter<long>("concord.derived.repair_passes", description: "Passes of an entity's derived-state repair, by entity type and whether the pass settled (every consumer at the head).");
        _transactionAborts = _meter.CreateCounter<long>("concord.transactions.aborted", description: "Orleans transactions that aborted (batch transfers, handle ownership), by operation.");
        _meter.CreateObservableGauge("concord.replication.backlog", () => Lag(l => l.Events), unit: "{event}", description: "Events of this region not yet acknowledged by a peer, by peer (refreshed every anti-entropy interval).");
        _meter.CreateObservableGauge("concord.replication.lag", () => Lag(l => l.Ms), unit: "ms", description: "Age of the oldest event a peer has not acknowledged, by peer.");
    }

    public void AuditCompleted(string region, long events, IEnumerable<string> findingKinds)
    {
        var tag = Region(region);
        _auditRuns.Add(1, tag);
        _auditEvents.Add(events, tag);
        foreach (var kind in findingKinds)
        {
            _auditFindings.Add(1, tag, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public void ReplicationRejected(string region) => _rejectedBatches.Add(1, Region(region));

    /// <summary>Counts one durable append: events of this region's origin, other origins' events, and apologies decided here.</summary>
    public void Appended(string region, int local, int replicated, IEnumerable<string> apologyKinds)
    {
        if (local > 0)
        {
            _appended.Add(local, Region(region));
            Interlocked.Add(ref _appendedTotal, local);
        }

        if (replicated > 0)
        {
            _applied.Add(replicated, Region(region));
            Interlocked.Add(ref _appliedTotal, replicated);
        }

        foreach (var kind in apologyKinds)
        {
            _apologies.Add(1, Region(region), new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public void BatchSent(string region, string peer, int events)
    {
        _batchesSent.Add(1, Region(region), Peer(peer));
        _eventsSent.Add(events, Region(region), Peer(peer));
    }

    public void ReplicationLag(string region, string peer, long events, long ms) => _lag[(region, peer)] = (events, ms);

    public void StrictForward(string region, string home, bool failed)
    {
        _strictForwards.Add(1, Region(region), new KeyValuePair<string, object?>("home", home));
        if (failed)
        {
            _strictForwardFailures.Add(1, Region(region), new KeyValuePair<string, object?>("home", home));
        }
    }

    public void SessionRefused(string region, string entityType) =>
        _sessionRefusals.Add(1, Region(region), new KeyValuePair<string, object?>("type", entityType));

    public void SessionWaited(string region, string entityType, TimeSpan waited) =>
        _sessionWaits.Record(waited.TotalMilliseconds, Region(region), new KeyValuePair<string, object?>("type", entityType));

    public void SessionFetched(string region, string entityType, int events) =>
        _sessionFetched.Add(events, Region(region), new KeyValuePair<string, object?>("type", entityType));

    public void EscrowAsked(string region, string entityType) =>
        _escrowAsks.Add(1, Region(region), new KeyValuePair<string, object?>("type", entityType));

    public void EscrowGiven(string region, string entityType) =>
        _escrowGiven.Add(1, Region(region), new KeyValuePair<string, object?>("type", entityType));

    public void DerivedRepairPassed(string region, string entityType, bool settled) =>
        _repairPasses.Add(1, Region(region), new KeyValuePair<string, object?>("type", entityType), new KeyValuePair<string, object?>("settled", settled));

    public void TransactionAborted(string region, string operation) =>
        _transactionAborts.Add(1, Region(region), new KeyValuePair<string, object?>("operation", operation));

    /// <summary>Events of this region's origin this silo appended since it started (the console's write rate).</summary>
    public long AppendedTotal => Interlocked.Read(ref _appendedTotal);

    /// <summary>Events of other origins this silo applied since it started (the console's apply rate).</summary>
    public long AppliedTotal => Interlocked.Read(ref _appliedTotal);

    /// <summary>This silo's instance of the meter (tests listen to exactly one silo's).</summary>
    internal Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Lag(Func<(long Events, long Ms), long> pick) =>
        _lag.Select(l => new Measurement<long>(pick(l.Value), Region(l.Key.Region), Peer(l.Key.Peer)));

    private static KeyValuePair<string, object?> Region(string region) => new("region", region);

    private static KeyValuePair<string, object?> Peer(string peer) => new("peer", peer);
}
