using System.Collections.Concurrent;
using Concord.Grains.Hosting;
using Concord.Grains.Storage;
using Concord.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Concord.Bench.Harness;

/// <summary>Wraps every region's event-log store (memory or PostgreSQL) in a <see cref="CountingEventLogStore"/>, found by region afterwards.</summary>
public sealed class CountingStores
{
    private readonly ConcurrentDictionary<string, CountingEventLogStore> _stores = new(StringComparer.Ordinal);

    public CountingEventLogStore this[string region] => _stores[region];

    /// <summary>The silo configuration that installs the counting store in front of whatever store the region has.</summary>
    public void Install(ISiloBuilder silo)
    {
        var existing = silo.Services.LastOrDefault(d => d.ServiceType == typeof(IEventLogStore));
        Func<IServiceProvider, IEventLogStore> inner = existing switch
        {
            null => _ => new InMemoryEventLogStore(),
            { ImplementationInstance: IEventLogStore instance } => _ => instance,
            { ImplementationFactory: { } factory } => services => (IEventLogStore)factory(services),
            { ImplementationType: { } type } => services => (IEventLogStore)ActivatorUtilities.CreateInstance(services, type),
            _ => throw new InvalidOperationException("The region's event-log store is registered in a way this bench cannot wrap."),
        };
        if (existing is not null)
        {
            silo.Services.Remove(existing);
        }

        silo.Services.AddSingleton<IEventLogStore>(services =>
        {
            var counting = new CountingEventLogStore(inner(services));
            _stores[services.GetRequiredService<IOptions<ConcordOptions>>().Value.Region] = counting;
            return counting;
        });
    }
}
