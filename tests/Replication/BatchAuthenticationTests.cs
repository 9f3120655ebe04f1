using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

/// <summary>Forged, replayed and altered replication batches are refused whole: nothing of them is applied.</summary>
[Collection(MultiRegionCollection.Name)]
public sealed class BatchAuthenticationTests(MultiRegionFixture regions)
{
    private readonly BatchAuthenticator _authenticator = new(MultiRegionFixture.ReplicationSecret);

    private IReplicationInboxGrain Inbox => regions.Grains("eu").GetGrain<IReplicationInboxGrain>(0);

    [Fact]
    public async Task A_batch_with_a_forged_mac_applies_nothing()
    {
        var (entity, batch) = Batch("forged");
        var forged = new BatchAuthenticator("some-other-secret-that-is-long-enough-000").Sign(batch, "eu");

        await Assert.ThrowsAsync<ReplicationBatchRejectedException>(() => Inbox.ReceiveAsync(forged));

        Assert.Equal(0, await regions.Store("eu").GetHeadAsync(entity));
    }

    [Fact]
    public async Task An_authentic_batch_applies_once_and_its_replay_is_refused()
    {
        var (entity, batch) = Batch("replay");
        var signed = _authenticator.Sign(batch, "eu");

        await Inbox.ReceiveAsync(signed);
        await Assert.ThrowsAsync<ReplicationBatchRejectedException>(() => Inbox.ReceiveAsync(signed));

        Assert.Equal(1, await regions.Store("eu").GetHeadAsync(entity));
    }

    [Fact]
    public async Task A_batch_signed_for_another_region_is_refused()
    {
        var (entity, batch) = Batch("elsewhere");

        await Assert.ThrowsAsync<ReplicationBatchRejectedException>(() => Inbox.ReceiveAsync(_authenticator.Sign(batch, "ap")));

        Assert.Equal(0, await regions.Store("eu").GetHeadAsync(entity));
    }

    [Fact]
    public async Task An_altered_event_in_an_authentic_batch_applies_nothing()
    {
        var (entity, batch) = Batch("altered");
        var signed = _authenticator.Sign(batch, "eu");
        var altered = signed with { Feed = [signed.Feed[0] with { Event = signed.Feed[0].Event with { Payload = new Deposited(999_999) } }] };

        await Assert.ThrowsAsync<ReplicationBatchRejectedException>(() => Inbox.ReceiveAsync(altered));

        Assert.Equal(0, await regions.Store("eu").GetHeadAsync(entity));
    }

    private static (string Entity, ReplicationBatch Batch) Batch(string hint)
    {
        var entity = Names.Account(hint);
        var e = EventCodec.Seal(new EventId(entity, "us", 1), "r1", new HlcTimestamp(1, 0, "us"), VersionVector.Empty, new Deposited(100), ChainHash.Genesis);
        return (entity, new ReplicationBatch("us", [new FeedEntry(1, e)], [], Sender: Guid.NewGuid().ToString("N"), Sequence: 1));
    }
}
