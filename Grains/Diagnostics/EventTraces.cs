using System.Collections.Concurrent;
using System.Diagnostics;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Diagnostics;

/// <summary>
/// The trace each recent event belongs to, in this silo, by its entity and request id: recorded where the event is
/// appended (before it is sealed, so before any replicator can read it) or applied while it was traced, and read by
/// the replicator that ships it and by the derived views that fold it, so their spans join the event's trace.
/// Bounded: the oldest are forgotten past <see cref="Capacity"/> (their later spans start no trace). Nothing is
/// recorded while no one listens to <see cref="ConcordTracing.SourceName"/>.
/// </summary>
internal sealed class EventTraces
{
    public const int Capacity = 65_536;

    private readonly ConcurrentDictionary<(string EntityId, string RequestId), ActivityContext> _byEvent = new();
    private readonly ConcurrentQueue<(string EntityId, string RequestId)> _order = new();

    public void Record(string entityId, string requestId, ActivityContext context)
    {
        var id = (entityId, requestId);
        if (context == default || !_byEvent.TryAdd(id, context))
        {
            return;
        }

        _order.Enqueue(id);
        while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _byEvent.TryRemove(oldest, out _);
        }
    }

    /// <summary>The trace of <paramref name="e"/>, if this silo traced it.</summary>
    public bool TryGet(EventEnvelope e, out ActivityContext context) => _byEvent.TryGetValue((e.EntityId, e.RequestId), out context);
}
