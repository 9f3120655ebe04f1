using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Concord.Storage.Postgres;
using Concord.Tests.Infrastructure;
using Npgsql;

namespace Concord.Tests.Storage;

/// <summary>The <see cref="IEventLogStore"/> contract, held by every store kind: in memory and PostgreSQL.</summary>
public sealed class EventLogStoreContractTests : IAsyncLifetime
{
    private readonly List<string> _databases = [];
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private readonly List<PostgresEventLogStore> _stores = [];
    private IEventLogStore _store = new InMemoryEventLogStore();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private async Task UseAsync(string kind)
    {
        if (kind == "postgres")
        {
            var database = await PostgresServer.CreateDatabaseAsync("store");
            _databases.Add(database);
            var dataSource = NpgsqlDataSource.Create(database);
            _dataSources.Add(dataSource);
            var store = new PostgresEventLogStore(dataSource);
            _stores.Add(store);
            _store = store;
        }
    }

    [Theory, InlineData("memory"), PostgresData]
    public async Task Appends_get_dense_positions_and_read_back_by_position_origin_and_request(string kind)
    {
        await UseAsync(kind);
        var events = Chain("e", "eu", 3);
        await _store.AppendAsync("e", 0, events[..2]);
        await _store.AppendAsync("e", 2, events[2..]);

        var all = await _store.ReadAsync("e", 1, 10);
        Assert.Equal([1L, 2L, 3L], all.Select(e => e.Position));
        Assert.Equal(events, all.Select(e => e.Event));
        Assert.Equal(3, await _store.GetHeadAsync("e"));
        Assert.Equal(events[1], (await _store.FindAsync(events[1].Id))!.Event);
        Assert.Equal(events[2], (await _store.ReadOriginAsync("e", "eu", 3, 10)).Single().Event);
        Assert.Equal(events[0], (await _store.FindByRequestAsync("e", events[0].RequestId)).Single().Event);
    }

    [Theory, InlineData("memory"), PostgresData]
    public async Task An_append_at_a_stale_head_changes_nothing(string kind)
    {
        await UseAsync(kind);
        var events = Chain("e", "eu", 2);
        await _store.AppendAsync("e", 0, events[..1]);

        await Assert.ThrowsAsync<EventLogConflictException>(async () => await _store.AppendAsync("e", 0, events[1..]));
        Assert.Equal(1, await _store.GetHeadAsync("e"));
    }

    [Theory, InlineData("memory"), PostgresData]
    public async Task A_batch_with_one_broken_link_appends_nothing(string kind)
    {
        await UseAsync(kind);
        var events = Chain("e", "eu", 3);
        var broken = new[] { events[0], events[2] };

        await Assert.ThrowsAsync<EventLogConflictException>(async () => await _store.AppendAsync("e", 0, broken));
        Assert.Equal(0, await _store.GetHeadAsync("e"));
        Assert.Empty(await _store.ListEntitiesAsync(null, 10));
    }

    [Theory, InlineData("memory"), PostgresData]
    public async Task Entities_are_listed_in_pages(string kind)
    {
        await UseAsync(kind);
        foreach (var name in new[] { "c", "a", "b" })
        {
            await _store.AppendAsync(name, 0, Chain(name, "eu", 1));
        }

        Assert.Equal(["a", "b"], await _store.ListEntitiesAsync(null, 2));
        Assert.Equal(["c"], await _store.ListEntitiesAsync("b", 2));
        Assert.Empty(await _store.ListEntitiesAsync("c", 2));
        Assert.Empty(await _store.ListEntitiesAsync("z", 2));
    }

    [Theory, InlineData("memory"), PostgresData]
    public async Task Feeds_versions_heads_and_digests_describe_what_was_appended(string kind)
    {
        await UseAsync(kind);
        var reference = new InMemoryEventLogStore();
        var a = Chain("acc-a", "eu", 2);
        var b = Chain("acc-b", "eu", 1);
        var remote = Chain("acc-a", "us", 2);
        foreach (var store in new[] { _store, reference })
        {
            await store.AppendAsync("acc-a", 0, a);
            await store.AppendAsync("acc-b", 0, b);
            await store.AppendAsync("acc-a", 2, remote);
        }

        Assert.Equal([1L, 2L, 3L], (await _store.ReadFeedAsync("eu", 0, 10)).Select(f => f.FeedPosition));
        Assert.Equal([.. a, .. b], (await _store.ReadFeedAsync("eu", 0, 10)).Select(f => f.Event));
        Assert.Equal([remote[1]], (await _store.ReadFeedAsync("us", 1, 10)).Select(f => f.Event));
        Assert.Equal(3, await _store.GetFeedHeadAsync("eu"));
        Assert.Equal(0, await _store.GetFeedHeadAsync("ap"));
        Assert.Equal(VersionVector.From([new("eu", 2), new("us", 2)]), await _store.GetVersionAsync("acc-a"));
        Assert.Equal(
            [new OriginHead("eu", 2, a[1].Hash), new OriginHead("us", 2, remote[1].Hash)],
            await _store.GetHeadsAsync("acc-a"));
        Assert.Equal((await reference.GetDigestAsync()).Buckets.ToArray(), (await _store.GetDigestAsync()).Buckets.ToArray());
        var bucket = RegionDigest.BucketOf("acc-a");
        Assert.Equal(
            (await reference.ListBucketAsync(bucket)).Select(v => (v.EntityId, v.Version)),
            (await _store.ListBucketAsync(bucket)).Select(v => (v.EntityId, v.Version)));
    }

    [Theory, InlineData("memory"), PostgresData]
    public async Task A_feed_tailed_during_concurrent_appends_shows_every_position_in_order(string kind)
    {
        await UseAsync(kind);
        const int writers = 8, eventsPerWriter = 20;
        var appends = Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var events = Chain($"acc-{w}", "eu", eventsPerWriter);
            for (var i = 0; i < events.Length; i++)
            {
                await _store.AppendAsync($"acc-{w}", i, events[i..(i + 1)]);
            }
        })));

        // A tail that ever saw position n+2 before n+1 would skip n+1 for good: positions must arrive dense.
        var seen = 0L;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (seen < writers * eventsPerWriter)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the feed stopped at {seen}");
            foreach (var entry in await _store.ReadFeedAsync("eu", seen, 50))
            {
                Assert.Equal(seen + 1, entry.FeedPosition);
                seen = entry.FeedPosition;
            }
        }

        await appends;
        Assert.Equal(writers * eventsPerWriter, await _store.GetFeedHeadAsync("eu"));
    }

    private static EventEnvelope[] Chain(string entity, string origin, int count)
    {
        var events = new EventEnvelope[count];
        var prev = ChainHash.Genesis;
        for (var i = 0; i < count; i++)
        {
            events[i] = EventCodec.Seal(new EventId(entity, origin, i + 1), $"r{i}", new HlcTimestamp(i, 0, origin), VersionVector.Empty, new Deposited(1), prev);
            prev = events[i].Hash;
        }

        return events;
    }
}
