using Concord.Grains.Hosting;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Concord.Tests.Infrastructure;

/// <summary>One region: a real in-process Orleans cluster with Concord, memory storage and a fault-injecting stream publisher.</summary>
public class RegionClusterFixture : IAsyncLifetime
{
    public const string Region = "eu";

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public IGrainFactory Grains => Cluster.Client;

    public IEventLogStore Store => Cluster.GetSiloServiceProvider().GetRequiredService<IEventLogStore>();

    public DroppingEventPublisher Publisher => (DroppingEventPublisher)Cluster.GetSiloServiceProvider().GetRequiredService<IEventPublisher>();

    public virtual async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            ConfigureStorage(silo);
            silo.Services.AddSingleton<IEventPublisher, DroppingEventPublisher>();
            silo.Services.AddSingleton<IIncomingGrainCallFilter, FailingCalls>();
            silo.AddConcord(options =>
            {
                options.Region = Region;
                options.DerivedRepairDelay = TimeSpan.FromMilliseconds(200);
                options.SnapshotInterval = 50;
                Configure(options);
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public virtual async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Grain storages, reminders and the event log; memory unless a derived fixture says otherwise.</summary>
    protected virtual void ConfigureStorage(ISiloBuilder silo)
    {
        silo.AddMemoryGrainStorage(ConcordStorage.Name);
        silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
        silo.UseInMemoryReminderService();
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
