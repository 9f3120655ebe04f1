using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using CsCheck;

namespace Concord.Tests.Ledger;

public sealed class AccountStateTests
{
    private const string Account = "acc";

    [Fact]
    public void Balance_is_credits_minus_debits()
    {
        var state = Fold(Chain("eu", new Deposited(1000), new Debited(300, "b", ConsistencyMode.Optimistic), new PaidOut(200)));

        Assert.Equal(500, state.Balance);
        Assert.Equal(3, state.Position);
        Assert.Equal(3, state.Version["eu"]);
    }

    [Fact]
    public void An_event_that_breaks_its_chain_is_refused()
    {
        var events = Chain("eu", new Deposited(1), new Deposited(2));
        var forged = events[1] with { PrevHash = ChainHash.Genesis };
        var state = new AccountState();
        state.Apply(new LoggedEvent(1, events[0]));

        Assert.Throws<InvalidOperationException>(() => state.Apply(new LoggedEvent(2, forged)));
        Assert.Equal(1, state.Position);
    }

    [Fact]
    public void The_same_request_through_two_origins_counts_once_for_the_smaller_hlc()
    {
        var early = EventCodec.Seal(new EventId(Account, "us", 1), "same", new HlcTimestamp(100, 0, "us"), VersionVector.Empty, new Deposited(700), ChainHash.Genesis);
        var late = EventCodec.Seal(new EventId(Account, "eu", 1), "same", new HlcTimestamp(200, 0, "eu"), VersionVector.Empty, new Deposited(700), ChainHash.Genesis);

        var lateFirst = Fold([late, early]);
        var earlyFirst = Fold([early, late]);

        Assert.Equal(700, lateFirst.Balance);
        Assert.Equal(lateFirst.CanonicalState(), earlyFirst.CanonicalState());
        Assert.True(lateFirst.TryGetRequest("same", out var winner));
        Assert.Equal(early.Id, winner.EventId);
    }

    [Fact]
    public void Totals_depend_on_the_set_of_events_not_on_the_interleaving_of_origins() =>
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[0, 4], Gen.Int[0, int.MaxValue]).Sample((euCount, usCount, shared, shuffleSeed) =>
        {
            // Two origins; `shared` request ids reach both (a client that failed over and retried).
            var eu = Chain("eu", Enumerable.Range(0, euCount).Select(i => (EventPayload)new Deposited(100 + i)).ToArray(), i => i < shared ? $"shared-{i}" : $"eu-{i}");
            var us = Chain("us", Enumerable.Range(0, usCount).Select(i => (EventPayload)new Deposited(100 + i)).ToArray(), i => i < shared ? $"shared-{i}" : $"us-{i}");

            var inOrder = Fold([.. eu, .. us]);
            var interleaved = Fold(Interleave(eu, us, new Random(shuffleSeed)));

            Assert.Equal(inOrder.Totals, interleaved.Totals);
            Assert.Equal(inOrder.Version, interleaved.Version);
            Assert.Equal(inOrder.CanonicalState(), interleaved.CanonicalState());
        });

    [Fact]
    public void A_snapshot_restores_the_same_state()
    {
        var events = Chain("eu", new Deposited(1000), new Debited(1, "x", ConsistencyMode.Strict), new Credited(5, new EventId("x", "eu", 1)));
        var state = Fold(events);

        var restored = AccountState.FromSnapshot(state.ToSnapshot());

        Assert.Equal(state.CanonicalState(), restored.CanonicalState());
        Assert.Equal(state.Position, restored.Position);
        Assert.Equal(state.LastActivity, restored.LastActivity);
        Assert.Equal(state.ToSnapshot().Requests.Select(r => r.Position), restored.ToSnapshot().Requests.Select(r => r.Position));
    }

    private static AccountState Fold(IEnumerable<EventEnvelope> events)
    {
        var state = new AccountState();
        var position = 0L;
        foreach (var e in events)
        {
            state.Apply(new LoggedEvent(++position, e));
        }

        return state;
    }

    private static EventEnvelope[] Chain(string origin, params EventPayload[] payloads) => Chain(origin, payloads, i => $"{origin}-{i}");

    private static EventEnvelope[] Chain(string origin, EventPayload[] payloads, Func<int, string> requestId)
    {
        var events = new EventEnvelope[payloads.Length];
        var prev = ChainHash.Genesis;
        for (var i = 0; i < payloads.Length; i++)
        {
            // Distinct HLCs per origin; "us" runs 1 ms behind so the winner differs by request.
            var hlc = new HlcTimestamp(1000 + (i * 10) + (origin == "us" ? 1 : 0), 0, origin);
            events[i] = EventCodec.Seal(new EventId(Account, origin, i + 1), requestId(i), hlc, VersionVector.Empty, payloads[i], prev);
            prev = events[i].Hash;
        }

        return events;
    }

    private static List<EventEnvelope> Interleave(EventEnvelope[] a, EventEnvelope[] b, Random random)
    {
        var merged = new List<EventEnvelope>(a.Length + b.Length);
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            merged.Add(j >= b.Length || (i < a.Length && random.Next(2) == 0) ? a[i++] : b[j++]);
        }

        return merged;
    }
}
