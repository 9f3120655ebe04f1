using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.DependencyInjection;
using Orleans.BroadcastChannel;

namespace Concord.Grains.Streaming;

/// <summary>
/// Publishes to the region's broadcast channel, one message per group commit: a call to each consumer subscribed to the
/// namespace, made at once and not awaited. A consumer that misses one pulls the gap from the log.
/// </summary>
public sealed class ChannelEventPublisher(IServiceProvider services) : IEventPublisher
{
    private IBroadcastChannelProvider? _provider;

    public Task PublishAsync(string streamNamespace, string entityId, IReadOnlyList<LoggedEvent> events)
    {
        _provider ??= services.GetRequiredKeyedService<IBroadcastChannelProvider>(StreamNames.Provider);
        return _provider.GetChannelWriter<LogAppended>(ChannelId.Create(streamNamespace, entityId)).Publish(new LogAppended(entityId, [.. events]));
    }
}
