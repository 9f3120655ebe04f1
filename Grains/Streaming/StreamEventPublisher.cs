using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;

namespace Concord.Grains.Streaming;

/// <summary>Publishes to the region's Orleans stream provider, one message per group commit.</summary>
public sealed class StreamEventPublisher(IServiceProvider services) : IEventPublisher
{
    private IStreamProvider? _provider;

    public Task PublishAsync(string streamNamespace, string entityId, IReadOnlyList<LoggedEvent> events)
    {
        _provider ??= services.GetRequiredKeyedService<IStreamProvider>(StreamNames.Provider);
        var stream = _provider.GetStream<LogAppended>(StreamId.Create(streamNamespace, entityId));
        return stream.OnNextAsync(new LogAppended(entityId, [.. events]));
    }
}
