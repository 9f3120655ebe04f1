using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Streaming;

/// <summary>
/// Pushes freshly appended events to derived-state consumers. A fast path only: consumers find and pull
/// whatever it loses from the log, so a failed publish never fails a write.
/// </summary>
public interface IEventPublisher
{
    Task PublishAsync(string streamNamespace, string entityId, IReadOnlyList<LoggedEvent> events);
}
