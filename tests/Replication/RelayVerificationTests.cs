using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;

namespace Concord.Tests.Replication;

/// <summary>Relayed events are applied only along a chain to the head their origin signed.</summary>
public sealed class RelayVerificationTests
{
    private static readonly EventEnvelope[] Chain = MakeChain(4);

    [Fact]
    public async Task Events_up_to_the_signed_head_are_accepted_and_later_ones_wait()
    {
        var accepted = await AcceptAsync(Chain, signed: (2, Chain[1].Hash), held: null);

        Assert.Equal([1L, 2L], accepted.Select(e => e.Seq));
    }

    [Fact]
    public async Task Without_a_signed_head_nothing_relayed_is_accepted()
    {
        var accepted = await AcceptAsync(Chain, signed: null, held: null);

        Assert.Empty(accepted);
    }

    [Fact]
    public async Task A_chain_that_does_not_end_in_the_signed_hash_is_refused()
    {
        var accepted = await AcceptAsync(Chain, signed: (3, Chain[1].Hash), held: null);

        Assert.Empty(accepted);
    }

    [Fact]
    public async Task A_forged_event_in_the_chain_is_refused()
    {
        var forged = Chain.Select((e, i) => i == 1 ? EventCodec.Seal(e.Id, e.RequestId, e.Hlc, e.Deps, new Deposited(999), e.PrevHash) : e).ToArray();

        var accepted = await AcceptAsync(forged, signed: (3, Chain[2].Hash), held: null);

        Assert.Empty(accepted);
    }

    [Fact]
    public async Task The_chain_continues_from_what_is_already_held()
    {
        var accepted = await AcceptAsync(Chain[2..], signed: (4, Chain[3].Hash), held: new OriginHead("ap", 2, Chain[1].Hash));

        Assert.Equal([3L, 4L], accepted.Select(e => e.Seq));
    }

    private static Task<List<EventEnvelope>> AcceptAsync(IEnumerable<EventEnvelope> relayed, (long Seq, ChainHash Hash)? signed, OriginHead? held) =>
        RelayVerification.AcceptAsync(
            relayed,
            (string origin, string entity, out (long Seq, ChainHash Hash) head) =>
            {
                head = signed ?? default;
                return signed is not null;
            },
            _ => Task.FromResult<IReadOnlyList<OriginHead>>(held is null ? [] : [held]));

    private static EventEnvelope[] MakeChain(int count)
    {
        var events = new EventEnvelope[count];
        var prev = ChainHash.Genesis;
        for (var i = 0; i < count; i++)
        {
            events[i] = EventCodec.Seal(new EventId("acc", "ap", i + 1), $"r{i}", new HlcTimestamp(i, 0, "ap"), VersionVector.Empty, new Deposited(10), prev);
            prev = events[i].Hash;
        }

        return events;
    }
}
