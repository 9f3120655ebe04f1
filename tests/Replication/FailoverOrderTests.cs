using System.Diagnostics.Metrics;
using Concord.Grains.Diagnostics;
using Concord.Grains.Entities;
using Concord.Grains.Events;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Concord.Tests.Replication;

/// <summary>
/// What keeps a region's lost tail recoverable (docs/reliability.md, finding 10): its own events reach each peer in the
/// order it wrote them, and the events a peer hands back to it survive a lost answer.
/// </summary>
public sealed class FailoverOrderTests
{
    private const long Start = 1_700_000_000_000;

    [Fact]
    public async Task A_repair_carries_no_own_event_ahead_of_the_feed_the_peer_acknowledged()
    {
        // eu debits acc-a and credits acc-b after it: feed positions 1 and 2. The peer lacks acc-b; us's deposit on
        // acc-b, relayed, may go at once, but eu's credit may not while the debit before it is unacknowledged.
        var store = new InMemoryEventLogStore();
        var debit = Seal("acc-a", "eu", 1, new Debited(5, "acc-b", ConsistencyMode.Optimistic), ChainHash.Genesis);
        await store.AppendAsync("acc-a", 0, [debit]);
        var relayed = Seal("acc-b", "us", 1, new Deposited(3), ChainHash.Genesis);
        await store.AppendAsync("acc-b", 0, [relayed]);
        var credit = Seal("acc-b", "eu", 1, new Credited(5, debit.Id), ChainHash.Genesis);
        await store.AppendAsync("acc-b", 1, [credit]);
        var feed = new OutboundFeedCursor(store, "eu", batchSize: 64);
        var repairs = new AntiEntropyRepairs(store, feed);

        repairs.Owe("acc-b", VersionVector.Empty);
        Assert.Equal([relayed.Id], (await repairs.TakeRepairsAsync(CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([debit.Id, credit.Id], (await feed.NextBatchAsync()).Select(f => f.Event.Id));

        feed.Acknowledge(1);
        repairs.Owe("acc-b", VersionVector.Empty);
        Assert.Equal([relayed.Id], (await repairs.TakeRepairsAsync(CancellationToken.None)).Select(e => e.Id));

        // Once the peer holds the whole feed, what it lacks of eu's own (it lost it itself) is repaired.
        feed.Acknowledge(2);
        repairs.Owe("acc-b", VersionVector.Empty);
        Assert.Equal(["acc-b@eu#1", "acc-b@us#1"], (await repairs.TakeRepairsAsync(CancellationToken.None)).Select(e => e.Id.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_peer_acknowledges_a_batch_through_the_last_event_before_one_it_could_only_buffer()
    {
        var shipped = new[] { 5L, 6, 7 }.Select(p => new FeedEntry(p, Seal($"acc-{p}", "eu", 1, new Deposited(1), ChainHash.Genesis))).ToList();

        Assert.Equal(7, OutboundFeedCursor.DurableThrough(shipped, _ => true));
        Assert.Equal(5, OutboundFeedCursor.DurableThrough(shipped, e => e.EntityId != "acc-6"));
        Assert.Equal(4, OutboundFeedCursor.DurableThrough(shipped, _ => false));
    }

    [Fact]
    public async Task Events_handed_back_to_a_region_that_lost_them_are_handed_back_again_until_its_chain_reaches_them()
    {
        var replica = await ReplicaAsync("ap");
        var lostFirst = Seal("acc-1", "eu", 1, new Deposited(7), ChainHash.Genesis);
        var waiting = Seal("acc-1", "eu", 2, new Deposited(11), lostFirst.Hash);
        await replica.ApplyRemoteAsync([waiting]);
        Assert.Equal(1, replica.Replica.Buffered);

        // eu asks; the answer is lost; eu asks again and gets the same event again.
        Assert.Equal([waiting], replica.Replica.HandBackWaiting("eu"));
        Assert.Equal([waiting], replica.Replica.HandBackWaiting("eu"));
        Assert.Equal((0, 1), (replica.Replica.Buffered, replica.Replica.HandedBack));

        // Kept out of the buffer: its predecessor arriving does not apply it here.
        await replica.ApplyRemoteAsync([lostFirst]);
        Assert.Equal(1, replica.Version["eu"]);
        Assert.Equal([waiting], replica.Replica.HandBackWaiting("eu"));

        // eu took it back and shipped it again: the chain here reaches it, and nothing is kept any more.
        await replica.ApplyRemoteAsync([waiting]);
        Assert.Equal(2, replica.Version["eu"]);
        Assert.Empty(replica.Replica.HandBackWaiting("eu"));
        Assert.Equal(0, replica.Replica.HandedBack);
    }

    [Fact]
    public async Task A_handed_back_event_that_no_longer_follows_the_chain_is_forgotten()
    {
        // Nobody held eu#1 (lost with eu's failover); eu then wrote its sequence 1 anew. The old eu#2 follows the lost
        // eu#1: handed back again, it would stop eu's next recovery, since it can never extend eu's chain.
        var replica = await ReplicaAsync("ap");
        var lost = Seal("acc-1", "eu", 1, new Deposited(7), ChainHash.Genesis);
        var orphan = Seal("acc-1", "eu", 2, new Deposited(11), lost.Hash);
        await replica.ApplyRemoteAsync([orphan]);
        Assert.Equal([orphan], replica.Replica.HandBackWaiting("eu"));

        var writtenAnew = Seal("acc-1", "eu", 1, new Deposited(5), ChainHash.Genesis);
        await replica.ApplyRemoteAsync([writtenAnew]);
        Assert.Empty(replica.Replica.HandBackWaiting("eu"));
        Assert.Equal(0, replica.Replica.HandedBack);

        // A region handing back its own waiting events (it recovered itself) only drops them.
        var own = Seal("acc-1", "ap", 2, new Deposited(3), Seal("acc-1", "ap", 1, new Deposited(1), ChainHash.Genesis).Hash);
        await replica.ApplyRemoteAsync([own]);
        Assert.Equal([own], replica.Replica.HandBackWaiting("ap"));
        Assert.Equal((0, 0), (replica.Replica.Buffered, replica.Replica.HandedBack));
    }

    private static EventEnvelope Seal(string entity, string origin, long seq, EventPayload payload, ChainHash prev) =>
        EventCodec.Seal(new EventId(entity, origin, seq), $"{origin}-{entity}-{seq}", new HlcTimestamp(Start + seq, 0, origin), VersionVector.Empty, payload, prev);

    private static async Task<EntityStateMachine<AccountState>> ReplicaAsync(string region)
    {
        var options = new ConcordOptions { Region = region, Regions = ["ap", "eu", "us"] };
        var machine = new EntityStateMachine<AccountState>(
            new EntityTypeRuntime<AccountState>(AccountType.Instance, typeof(AccountGrain)),
            "acc-1",
            options,
            new HybridLogicalClock(TimeProvider.System, region),
            new InMemoryEventLogStore(),
            TimeProvider.System,
            new ConcordMetrics(new TestMeters()),
            NullLogger.Instance,
            _ => Task.CompletedTask,
            _ => { });
        await machine.LoadAsync(null, CancellationToken.None);
        return machine;
    }

    private sealed class TestMeters : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
