using Concord.Grains.Interfaces.Events;
using Concord.Grains.Streaming;

namespace Concord.Tests.Infrastructure;

/// <summary>A log-feed publisher that loses the messages a test tells it to lose, as a failed push would.</summary>
public sealed class DroppingEventPublisher(IServiceProvider services) : IEventPublisher
{
    private readonly ChannelEventPublisher _inner = new(services);
    private int _dropped;

    /// <summary>Messages about entities for which this returns true are dropped.</summary>
    public Func<string, bool> ShouldDrop { get; set; } = _ => false;

    public int Dropped => Volatile.Read(ref _dropped);

    public Task PublishAsync(string streamNamespace, string entityId, IReadOnlyList<LoggedEvent> events)
    {
        if (ShouldDrop(entityId))
        {
            Interlocked.Increment(ref _dropped);
            return Task.CompletedTask;
        }

        return _inner.PublishAsync(streamNamespace, entityId, events);
    }
}
