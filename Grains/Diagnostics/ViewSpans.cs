using System.Diagnostics;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Diagnostics;

/// <summary>A derived view folding a traced event: a <c>concord.view</c> span in the event's trace, as this region knows it.</summary>
internal static class ViewSpans
{
    public static Activity? Start(EventTraces traces, string region, string view, EventEnvelope e)
    {
        if (!ConcordTracing.Source.HasListeners() || !traces.TryGet(e, out var parent))
        {
            return null;
        }

        return ConcordTracing.StartDetached("concord.view", ActivityKind.Consumer, parent)?
            .SetTag(ConcordTracing.Region, region)
            .SetTag(ConcordTracing.View, view)
            .SetTag(ConcordTracing.Event, e.Id.ToString());
    }
}
