using System.Diagnostics;
using Concord.Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Grains.Entities;

/// <summary>
/// Traces (docs/observability.md#traces): a command is a <c>concord.command</c> span, a child of the caller's trace
/// when the call carried one, and its append a <c>concord.append</c> span under it. Before the event is sealed the
/// region remembers the append's context for the command's request (<see cref="EventTraces"/>), so that the event's
/// replication and views join the trace.
/// </summary>
public abstract partial class ReplicatedEntityGrain<TState>
{
    private Activity? StartCommandSpan(object command, string requestId) =>
        ConcordTracing.Source.StartActivity("concord.command", ActivityKind.Server)?
            .SetTag(ConcordTracing.Region, Region)
            .SetTag(ConcordTracing.Entity, EntityId)
            .SetTag(ConcordTracing.RequestId, requestId)
            .SetTag("concord.command", command.GetType().Name);

    private Activity? StartAppendSpan(Activity? command, string requestId)
    {
        if (command is null || ConcordTracing.Source.StartActivity("concord.append") is not { } span)
        {
            return null;
        }

        span.SetTag(ConcordTracing.Region, Region).SetTag(ConcordTracing.Entity, EntityId);
        ServiceProvider.GetRequiredService<EventTraces>().Record(EntityId, requestId, span.Context);
        return span;
    }
}
