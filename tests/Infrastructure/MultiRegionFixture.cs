using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.TestKit;
using Orleans.TestingHost;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// The suite's three regions, shared by every test in the collection: Concord's test kit
/// (<see cref="ConcordTestRegions"/>) as a user's tests would start it, with a fixed replication secret so
/// that tests can forge and check batches. Tests cut, delay, drop, duplicate and reorder through <see cref="Faults"/>.
/// </summary>
public sealed class MultiRegionFixture : IAsyncLifetime
{
    public static readonly string[] Regions = ["ap", "eu", "us"];

    /// <summary>Every batch between the test regions is authenticated with this secret.</summary>
    public const string ReplicationSecret = "test-replication-secret-0123456789abcdef";

    private ConcordTestRegions _regions = null!;

    /// <summary>Each region's checkpoint signing key, as PKCS#8 PEM; tests may sign with them to fake a dishonest region.</summary>
    public IReadOnlyDictionary<string, string> SigningKeys => _regions.SigningKeys;

    public InProcessTestCluster Cluster(string region) => _regions.Cluster(region);

    public IGrainFactory Grains(string region) => _regions.Grains(region);

    public IEventLogStore Store(string region) => _regions.Store(region);

    public LinkFaults Faults(string region) => _regions.Faults(region);

    public T Service<T>(string region)
        where T : notnull => _regions.Service<T>(region);

    public async Task InitializeAsync() =>
        _regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions { Regions = Regions, ServiceId = "concord", ReplicationSecret = ReplicationSecret });

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    /// <summary>Cuts every link between <paramref name="region"/> and the others, both ways.</summary>
    public void Isolate(string region) => _regions.Isolate(region);

    /// <summary>Cuts every link: each region is on its own.</summary>
    public void IsolateAll() => _regions.IsolateAll();

    public void HealAll() => _regions.HealAll();

    /// <summary>Waits until every region's digest is equal: every region holds the same events of every entity.</summary>
    public Task WaitForConvergenceAsync(TimeSpan? timeout = null) => _regions.WaitForConvergenceAsync(timeout);
}

[CollectionDefinition(Name)]
public sealed class MultiRegionCollection : ICollectionFixture<MultiRegionFixture>
{
    public const string Name = "three regions";
}
