using System.Collections.Immutable;
using System.Diagnostics;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Diagnostics;

/// <summary>
/// The spans of one replication batch, one per traced event it carries, each in that event's own trace: at the
/// sender a <c>concord.replicate</c> span under the event's append (its <c>traceparent</c> travels in the batch),
/// at the receiver a <c>concord.apply</c> span under it, which the receiving region remembers for the event's views.
/// Empty, and free, when nothing is traced.
/// </summary>
internal sealed class ReplicationSpans
{
    private static readonly ReplicationSpans None = new([], []);

    private readonly List<Activity> _spans;

    private ReplicationSpans(List<Activity> spans, ImmutableArray<EventTrace> traces)
    {
        _spans = spans;
        Traces = traces;
    }

    /// <summary>What the batch carries to the peer: the replication span of each traced event.</summary>
    public ImmutableArray<EventTrace> Traces { get; }

    /// <summary>Opens a replication span for each event this region traced, as <paramref name="region"/> ships it to <paramref name="peer"/>.</summary>
    public static ReplicationSpans Shipping(EventTraces traces, string region, string peer, IEnumerable<EventEnvelope> events)
    {
        if (!ConcordTracing.Source.HasListeners())
        {
            return None;
        }

        var spans = new List<Activity>();
        var carried = ImmutableArray.CreateBuilder<EventTrace>();
        foreach (var e in events)
        {
            if (traces.TryGet(e, out var parent) && ConcordTracing.StartDetached("concord.replicate", ActivityKind.Producer, parent) is { } span)
            {
                span.SetTag(ConcordTracing.Region, region).SetTag(ConcordTracing.Peer, peer).SetTag(ConcordTracing.Event, e.Id.ToString());
                spans.Add(span);
                carried.Add(new EventTrace(e.Id, ConcordTracing.TraceParentOf(span.Context)));
            }
        }

        return spans.Count == 0 ? None : new ReplicationSpans(spans, carried.ToImmutable());
    }

    /// <summary>
    /// Opens an apply span for each of <paramref name="events"/> the batch from <paramref name="from"/> says was
    /// traced, and remembers it as the event's trace in this region. A trace that does not parse is ignored.
    /// </summary>
    public static ReplicationSpans Applying(EventTraces traces, string region, string from, ImmutableArray<EventTrace> carried, IEnumerable<EventEnvelope> events)
    {
        if (carried.IsDefaultOrEmpty || !ConcordTracing.Source.HasListeners())
        {
            return None;
        }

        var byEvent = carried.GroupBy(t => t.Event).ToDictionary(g => g.Key, g => g.First().TraceParent);
        var spans = new List<Activity>();
        foreach (var e in events)
        {
            if (byEvent.TryGetValue(e.Id, out var traceParent)
                && ConcordTracing.TryReadTraceParent(traceParent, out var parent)
                && ConcordTracing.StartDetached("concord.apply", ActivityKind.Consumer, parent) is { } span)
            {
                span.SetTag(ConcordTracing.Region, region).SetTag(ConcordTracing.Origin, from).SetTag(ConcordTracing.Event, e.Id.ToString());
                traces.Record(e.EntityId, e.RequestId, span.Context);
                spans.Add(span);
            }
        }

        return spans.Count == 0 ? None : new ReplicationSpans(spans, []);
    }

    /// <summary>Ends every span, as failed when <paramref name="error"/> is given.</summary>
    public void End(Exception? error = null) => ConcordTracing.EndAll(_spans, error);
}
