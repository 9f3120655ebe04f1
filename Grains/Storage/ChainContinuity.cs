using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Storage;

/// <summary>The append rule every <see cref="IEventLogStore"/> enforces: each event continues its (entity, origin) chain.</summary>
public static class ChainContinuity
{
    /// <summary>
    /// Checks a whole batch before anything is written: every event belongs to <paramref name="entityId"/> and
    /// continues its origin's chain from <paramref name="headOf"/> (or from the events before it in the batch).
    /// Throws <see cref="EventLogConflictException"/> at the first that does not.
    /// </summary>
    public static void Check(string entityId, IReadOnlyList<EventEnvelope> events, Func<string, (long Seq, ChainHash Hash)> headOf)
    {
        var heads = new Dictionary<string, (long Seq, ChainHash Hash)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!string.Equals(e.EntityId, entityId, StringComparison.Ordinal))
            {
                throw new EventLogConflictException(entityId, $"event {e.Id} belongs to another entity.");
            }

            var head = heads.TryGetValue(e.Origin, out var h) ? h : headOf(e.Origin);
            if (e.Seq != head.Seq + 1 || e.PrevHash != head.Hash)
            {
                throw new EventLogConflictException(entityId, $"event {e.Id} does not continue origin '{e.Origin}' at seq {head.Seq}.");
            }

            heads[e.Origin] = (e.Seq, e.Hash);
        }
    }
}
