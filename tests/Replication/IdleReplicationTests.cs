using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Concord.TestKit;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Concord.Tests.Replication;

/// <summary>A replicator with nothing to ship reads no store on every tick: it waits for an append or its idle check.</summary>
public sealed class IdleReplicationTests
{
    [Fact]
    public async Task An_idle_region_reads_its_feed_only_at_the_idle_check_and_still_ships_a_new_write_at_once()
    {
        var stores = new Dictionary<string, CountingStore>(StringComparer.Ordinal);
        await using var regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions
        {
            Regions = ["eu", "us"],
            SignCheckpoints = false,
            ConfigureSilo = (region, silo) =>
            {
                var store = new CountingStore(new InMemoryEventLogStore());
                lock (stores)
                {
                    stores[region] = store;
                }

                silo.Services.Replace(ServiceDescriptor.Singleton<IEventLogStore>(store));
            },
            ConfigureConcord = (_, options) => options.IdleFeedCheckInterval = TimeSpan.FromSeconds(1),
        });
        var account = Names.Account("idle");
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("first", 1m));
        await regions.WaitForConvergenceAsync();

        // Two seconds of idleness: at 5 ms linger a polling replicator reads its feed about 400 times; this one twice or three times.
        var before = stores["eu"].FeedReads;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idleReads = stores["eu"].FeedReads - before;
        Assert.InRange(idleReads, 0, 6);

        // A write in this silo wakes the replicator at its next tick, without waiting for the idle check.
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("second", 2m));
        var us = regions.Grains("us").GetGrain<IAccountGrain>(account);
        await Eventually.HoldsAsync(async () => (await us.GetBalanceAsync()).Balance == 3.00m, "the second deposit reached us", TimeSpan.FromSeconds(30));
    }

    /// <summary>The in-memory store, counting reads of this region's feed.</summary>
    private sealed class CountingStore(IEventLogStore inner) : IEventLogStore
    {
        private long _feedReads;

        public long FeedReads => Interlocked.Read(ref _feedReads);

        public ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _feedReads);
            return inner.ReadFeedAsync(origin, afterPosition, maxCount, cancellationToken);
        }

        public ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(entityId, expectedPosition, events, cancellationToken);

        public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(entityId, fromPosition, maxCount, cancellationToken);

        public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default) =>
            inner.ReadOriginAsync(entityId, origin, fromSeq, maxCount, cancellationToken);

        public ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default) => inner.FindAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default) =>
            inner.FindByRequestAsync(entityId, requestId, cancellationToken);

        public ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default) => inner.GetHeadAsync(entityId, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default) =>
            inner.ListEntitiesAsync(after, maxCount, cancellationToken);

        public ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default) => inner.GetVersionAsync(entityId, cancellationToken);

        public ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default) => inner.GetFeedHeadAsync(origin, cancellationToken);

        public ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default) => inner.GetHeadsAsync(entityId, cancellationToken);

        public ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default) => inner.GetDigestAsync(cancellationToken);

        public ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default) => inner.ListBucketAsync(bucket, cancellationToken);
    }
}
