using Concord.Grains.Hosting;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Concord.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// One region on Concord's test kit (<see cref="ConcordTestRegions"/>): a real in-process Orleans cluster with memory
/// storage, a fault-injecting stream publisher and grain calls that tests can fail (<see cref="FailingCalls"/>).
/// </summary>
public class RegionClusterFixture : IAsyncLifetime
{
    public const string Region = "eu";

    private ConcordTestRegions _regions = null!;

    public InProcessTestCluster Cluster => _regions.Cluster(Region);

    public IClusterClient Client => Cluster.Client;

    public IGrainFactory Grains => Cluster.Client;

    public IEventLogStore Store => _regions.Store(Region);

    public DroppingEventPublisher Publisher => (DroppingEventPublisher)Cluster.GetSiloServiceProvider().GetRequiredService<IEventPublisher>();

    public virtual async Task InitializeAsync() =>
        _regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions
        {
            Regions = [Region],
            ServiceId = "concord",
            SignCheckpoints = false,
            InMemoryStorage = UsesMemoryStorage,
            ConfigureSilo = (_, silo) =>
            {
                ConfigureStorage(silo);
                silo.Services.AddSingleton<IEventPublisher, DroppingEventPublisher>();
                silo.Services.AddSingleton<IIncomingGrainCallFilter, FailingCalls>();
            },
            ConfigureConcord = (_, options) =>
            {
                options.SnapshotInterval = 50;
                Configure(options);
            },
        });

    public virtual async Task DisposeAsync() => await _regions.DisposeAsync();

    /// <summary>False when a derived fixture brings its own storage in <see cref="ConfigureStorage"/>.</summary>
    protected virtual bool UsesMemoryStorage => true;

    /// <summary>Storage beyond the kit's memory default; nothing unless a derived fixture says otherwise.</summary>
    protected virtual void ConfigureStorage(ISiloBuilder silo)
    {
    }

    /// <summary>Lets a derived fixture change Concord's options for its own cluster.</summary>
    protected virtual void Configure(ConcordOptions options)
    {
    }
}

[CollectionDefinition(Name)]
public sealed class RegionCollection : ICollectionFixture<RegionClusterFixture>
{
    public const string Name = "one region";
}
