using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;

namespace Concord.Tests.Storage;

public sealed class InMemoryEventLogStoreTests
{
    private readonly InMemoryEventLogStore _store = new();

    [Fact]
    public async Task Appends_get_dense_positions_and_read_back_by_position_origin_and_request()
    {
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

    [Fact]
    public async Task An_append_at_a_stale_head_changes_nothing()
    {
        var events = Chain("e", "eu", 2);
        await _store.AppendAsync("e", 0, events[..1]);

        await Assert.ThrowsAsync<EventLogConflictException>(async () => await _store.AppendAsync("e", 0, events[1..]));
        Assert.Equal(1, await _store.GetHeadAsync("e"));
    }

    [Fact]
    public async Task A_batch_with_one_broken_link_appends_nothing()
    {
        var events = Chain("e", "eu", 3);
        var broken = new[] { events[0], events[2] };

        await Assert.ThrowsAsync<EventLogConflictException>(async () => await _store.AppendAsync("e", 0, broken));
        Assert.Equal(0, await _store.GetHeadAsync("e"));
        Assert.Empty(await _store.ListEntitiesAsync(null, 10));
    }

    [Fact]
    public async Task Entities_are_listed_in_pages()
    {
        foreach (var name in new[] { "c", "a", "b" })
        {
            await _store.AppendAsync(name, 0, Chain(name, "eu", 1));
        }

        Assert.Equal(["a", "b"], await _store.ListEntitiesAsync(null, 2));
        Assert.Equal(["c"], await _store.ListEntitiesAsync("b", 2));
        Assert.Empty(await _store.ListEntitiesAsync("c", 2));
        Assert.Empty(await _store.ListEntitiesAsync("z", 2));
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
