using System.Diagnostics.Metrics;

namespace Concord.Grains.Diagnostics;

/// <summary>
/// The <c>Concord</c> meter. Instruments are tagged with the region, so several regions in one process stay
/// apart. Export it with OpenTelemetry or read it with <c>dotnet-counters monitor --counters Concord</c>.
/// </summary>
public sealed class ConcordMetrics : IDisposable
{
    public const string MeterName = "Concord";

    private readonly Meter _meter;
    private readonly Counter<long> _auditRuns;
    private readonly Counter<long> _auditEvents;
    private readonly Counter<long> _auditFindings;
    private readonly Counter<long> _rejectedBatches;

    public ConcordMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _auditRuns = _meter.CreateCounter<long>("concord.audit.runs", description: "Audits completed.");
        _auditEvents = _meter.CreateCounter<long>("concord.audit.events_verified", description: "Events whose hash and chain link an audit verified.");
        _auditFindings = _meter.CreateCounter<long>("concord.audit.findings", description: "Problems audits found, by kind.");
        _rejectedBatches = _meter.CreateCounter<long>("concord.replication.rejected", description: "Replication batches and checkpoints refused (authentication, replay, bad event or signature).");
    }

    public void AuditCompleted(string region, long events, IEnumerable<string> findingKinds)
    {
        var tag = new KeyValuePair<string, object?>("region", region);
        _auditRuns.Add(1, tag);
        _auditEvents.Add(events, tag);
        foreach (var kind in findingKinds)
        {
            _auditFindings.Add(1, tag, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public void ReplicationRejected(string region) => _rejectedBatches.Add(1, new KeyValuePair<string, object?>("region", region));

    public void Dispose() => _meter.Dispose();
}
