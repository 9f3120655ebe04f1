using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Concord.Samples.Venues;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Concord.Tests.Entities;

/// <summary>
/// Concurrent commands on one registered entity share appends (group commit) and are each decided against the
/// state including the events still being appended. The store is slowed down so that commands really overlap.
/// </summary>
public sealed class EntityGroupCommitTests : IAsyncLifetime
{
    private readonly SlowStore _store = new(new InMemoryEventLogStore(), TimeSpan.FromMilliseconds(30));
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ConcordStorage.Name);
            silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IEventLogStore>(_store);
            silo.AddConcord(options => options.Region = "eu");
            silo.AddVenues();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Concurrent_holds_share_appends_and_never_take_more_seats_than_are_left()
    {
        var venue = _cluster.Client.GetGrain<IVenueGrain>("cinema");
        await venue.OpenAsync("open-cinema", 5);
        var appendsBefore = _store.Appends;

        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                return (await venue.HoldAsync($"rush-{i}", $"guest-{i}")).Events.Length;
            }
            catch (CommandRejectedException)
            {
                return 0;
            }
        }));

        Assert.Equal(5, attempts.Sum());
        Assert.Equal(5, (await venue.GetAsync()).ActiveHolds.Length);
        Assert.Equal(6, await _store.GetHeadAsync("venue/cinema"));
        Assert.True(_store.Appends - appendsBefore < 5, $"{_store.Appends - appendsBefore} appends for 5 holds: group commit did not batch");
    }

    /// <summary>A store whose appends take a while, as a database's do.</summary>
    private sealed class SlowStore(IEventLogStore inner, TimeSpan delay) : IEventLogStore
    {
        private int _appends;

        public int Appends => Volatile.Read(ref _appends);

        public async ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _appends);
            await Task.Delay(delay, cancellationToken);
            await inner.AppendAsync(entityId, expectedPosition, events, cancellationToken);
        }

        public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) => inner.ReadAsync(entityId, fromPosition, maxCount, cancellationToken);

        public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default) => inner.ReadOriginAsync(entityId, origin, fromSeq, maxCount, cancellationToken);

        public ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default) => inner.FindAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default) => inner.FindByRequestAsync(entityId, requestId, cancellationToken);

        public ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default) => inner.GetHeadAsync(entityId, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default) => inner.ListEntitiesAsync(after, maxCount, cancellationToken);

        public ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default) => inner.GetVersionAsync(entityId, cancellationToken);

        public ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default) => inner.ReadFeedAsync(origin, afterPosition, maxCount, cancellationToken);

        public ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default) => inner.GetFeedHeadAsync(origin, cancellationToken);

        public ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default) => inner.GetHeadsAsync(entityId, cancellationToken);

        public ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default) => inner.GetDigestAsync(cancellationToken);

        public ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default) => inner.ListBucketAsync(bucket, cancellationToken);
    }
}
