using System.Collections.Concurrent;
using System.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Concord.Samples.Venues.Tests;

/// <summary>
/// Several Concord regions in this process, each its own Orleans test cluster, linked through the public link
/// types. Each region may host a different set of entity types; a region can be stopped and started again.
/// </summary>
public sealed class Regions : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, InProcessTestCluster> _clusters = new(StringComparer.Ordinal);
    private readonly string[] _names;

    public Regions(params string[] names) => _names = names;

    public IReadOnlyList<string> Names => _names;

    public IGrainFactory Grains(string region) => _clusters[region].Client;

    public IEventLogStore Store(string region) => Service<IEventLogStore>(region);

    public T Service<T>(string region)
        where T : notnull => _clusters[region].GetSiloServiceProvider().GetRequiredService<T>();

    /// <summary>Starts a region; <paramref name="configure"/> adds its entity types (or leaves them out).</summary>
    public async Task StartAsync(string region, Action<ISiloBuilder> configure)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ClusterId = $"venues-{region}";
        builder.Options.ServiceId = "venues";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ConcordStorage.Name);
            silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IRegionLinkFactory>(new DirectoryLinkFactory(_clusters));
            silo.AddConcord(options =>
            {
                options.Region = region;
                options.Regions = [.. _names];
                options.FaultInjection = true;
                options.ReplicationLinger = TimeSpan.FromMilliseconds(5);
                options.AntiEntropyInterval = TimeSpan.FromMilliseconds(300);
                options.LinkCallTimeout = TimeSpan.FromSeconds(2);
                options.LinkMaxBackoff = TimeSpan.FromMilliseconds(300);
                options.StrictForwardTimeout = TimeSpan.FromSeconds(2);
            });
            configure(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        _clusters[region] = cluster;
    }

    public async Task StopAsync(string region)
    {
        if (_clusters.TryRemove(region, out var cluster))
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Cuts every link between every two regions, both ways.</summary>
    public void IsolateAll()
    {
        foreach (var region in _clusters.Keys)
        {
            foreach (var other in _names.Where(n => n != region))
            {
                Service<LinkFaults>(region).Set(other, new LinkFault(Cut: true));
            }
        }
    }

    public void HealAll()
    {
        foreach (var region in _clusters.Keys)
        {
            Service<LinkFaults>(region).Clear();
        }
    }

    /// <summary>Waits, with a deadline, until every running region holds the same events of every entity.</summary>
    public Task ConvergeAsync(TimeSpan? timeout = null) => WaitAsync(
        async () =>
        {
            var digests = await Task.WhenAll(_clusters.Keys.Select(r => Store(r).GetDigestAsync().AsTask()));
            return digests.All(d => d.Root == digests[0].Root);
        },
        "every region holds the same events (equal digests)",
        timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Runs a full audit in <paramref name="region"/>.</summary>
    public Task<AuditReport> AuditAsync(string region) =>
        Grains(region).GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest());

    public static async Task WaitAsync(Func<Task<bool>> condition, string description, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Still not true after {timeout.TotalSeconds:0.#} s: {description}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var region in _clusters.Keys.ToList())
        {
            await StopAsync(region);
        }
    }

    /// <summary>Links to peers through their test cluster's client; a region not running is simply unreachable.</summary>
    private sealed class DirectoryLinkFactory(ConcurrentDictionary<string, InProcessTestCluster> clusters) : IRegionLinkFactory
    {
        public IRegionLink Create(string peer) => new ClusterClientRegionLink(peer, _ =>
            clusters.TryGetValue(peer, out var cluster)
                ? Task.FromResult(cluster.Client)
                : throw new RegionLinkUnavailableException(peer, "not running"));
    }
}
