using System.Collections.Concurrent;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// Three regions, each its own in-process Orleans cluster, linked through their cluster clients behind the
/// real fault-injecting link layer. Tests cut, delay, drop, duplicate and reorder through <see cref="Faults"/>.
/// </summary>
public sealed class MultiRegionFixture : IAsyncLifetime
{
    public static readonly string[] Regions = ["ap", "eu", "us"];

    /// <summary>Every batch between the test regions is authenticated with this secret.</summary>
    public const string ReplicationSecret = "test-replication-secret-0123456789abcdef";

    private readonly ConcurrentDictionary<string, InProcessTestCluster> _clusters = new(StringComparer.Ordinal);

    /// <summary>Each region's checkpoint signing key, as PKCS#8 PEM; tests may sign with them to fake a dishonest region.</summary>
    public IReadOnlyDictionary<string, string> SigningKeys { get; } = Regions.ToDictionary(r => r, _ => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());

    public InProcessTestCluster Cluster(string region) => _clusters[region];

    public IGrainFactory Grains(string region) => _clusters[region].Client;

    public IEventLogStore Store(string region) => Service<IEventLogStore>(region);

    public LinkFaults Faults(string region) => Service<LinkFaults>(region);

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Regions.Select(StartRegionAsync));
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_clusters.Values.Select(c => c.DisposeAsync().AsTask()));
    }

    /// <summary>Cuts every link between <paramref name="region"/> and the others, both ways.</summary>
    public void Isolate(string region)
    {
        foreach (var other in Regions.Where(r => r != region))
        {
            Faults(region).Set(other, new LinkFault(Cut: true));
            Faults(other).Set(region, new LinkFault(Cut: true));
        }
    }

    /// <summary>Cuts every link: each region is on its own.</summary>
    public void IsolateAll()
    {
        foreach (var region in Regions)
        {
            Isolate(region);
        }
    }

    public void HealAll()
    {
        foreach (var region in Regions)
        {
            Faults(region).Clear();
        }
    }

    /// <summary>Waits until every region's digest is equal: every region holds the same events of every entity.</summary>
    public Task WaitForConvergenceAsync(TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(
            async () =>
            {
                var digests = await Task.WhenAll(Regions.Select(r => Store(r).GetDigestAsync().AsTask()));
                return digests.All(d => d.Root == digests[0].Root);
            },
            "all regions hold the same events (equal digests)",
            timeout ?? TimeSpan.FromSeconds(30));

    public static string PublicKeyOf(string privateKeyPem)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    private T Service<T>(string region)
        where T : notnull => _clusters[region].GetSiloServiceProvider().GetRequiredService<T>();

    private async Task StartRegionAsync(string region)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ClusterId = $"concord-{region}";
        builder.Options.ServiceId = "concord";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ConcordStorage.Name);
            silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IRegionLinkFactory>(new DirectoryLinkFactory(_clusters));
            silo.AddConcord(options =>
            {
                options.Region = region;
                options.Regions = [.. Regions];
                options.FaultInjection = true;
                options.ReplicationSecret = ReplicationSecret;
                options.SigningKeyPem = SigningKeys[region];
                options.RegionPublicKeysPem = SigningKeys.ToDictionary(k => k.Key, k => PublicKeyOf(k.Value));
                options.CheckpointInterval = TimeSpan.FromMilliseconds(300);
                options.ReplicationLinger = TimeSpan.FromMilliseconds(5);
                options.AntiEntropyInterval = TimeSpan.FromMilliseconds(300);
                options.DerivedRepairDelay = TimeSpan.FromMilliseconds(200);
                options.LinkCallTimeout = TimeSpan.FromSeconds(2);
                options.LinkMaxBackoff = TimeSpan.FromMilliseconds(300);
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        _clusters[region] = cluster;
    }

    /// <summary>Links to peers through their test cluster's client; a peer not yet started is simply unreachable.</summary>
    private sealed class DirectoryLinkFactory(ConcurrentDictionary<string, InProcessTestCluster> clusters) : IRegionLinkFactory
    {
        public IRegionLink Create(string peer) => new ClusterClientRegionLink(peer, _ =>
            clusters.TryGetValue(peer, out var cluster)
                ? Task.FromResult(cluster.Client)
                : throw new RegionLinkUnavailableException(peer, "not started yet"));
    }
}

[CollectionDefinition(Name)]
public sealed class MultiRegionCollection : ICollectionFixture<MultiRegionFixture>
{
    public const string Name = "three regions";
}
