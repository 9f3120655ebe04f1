using Concord.Grains.Entities;
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
        var fold = Fold(Chain("eu", new Deposited(1000), new Debited(300, "b", ConsistencyMode.Optimistic), new PaidOut(200)));

        Assert.Equal(500, fold.State.Balance);
        Assert.Equal(new LedgerTotals(1000, 0, 300, 200), fold.State.Totals);
        Assert.Equal(3, fold.Position);
        Assert.Equal(3, fold.Version["eu"]);
    }

    [Fact]
    public void An_event_that_breaks_its_chain_is_refused()
    {
        var events = Chain("eu", new Deposited(1), new Deposited(2));
        var forged = events[1] with { PrevHash = ChainHash.Genesis };
        var fold = AccountType.NewFold(Account);
        fold.Apply(new LoggedEvent(1, events[0]));

        Assert.Throws<InvalidOperationException>(() => fold.Apply(new LoggedEvent(2, forged)));
        Assert.Equal(1, fold.Position);
    }

    [Fact]
    public void The_same_request_through_two_origins_counts_once_for_the_smaller_hlc()
    {
        var early = EventCodec.Seal(new EventId(Account, "us", 1), "same", new HlcTimestamp(100, 0, "us"), VersionVector.Empty, new Deposited(700), ChainHash.Genesis);
        var late = EventCodec.Seal(new EventId(Account, "eu", 1), "same", new HlcTimestamp(200, 0, "eu"), VersionVector.Empty, new Deposited(700), ChainHash.Genesis);

        var lateFirst = Fold([late, early]);
        var earlyFirst = Fold([early, late]);

        Assert.Equal(700, lateFirst.State.Balance);
        Assert.Equal(700, earlyFirst.State.Balance);
        Assert.Equal(AccountFolds.Convergent(lateFirst), AccountFolds.Convergent(earlyFirst));
        Assert.True(lateFirst.TryGetRequest("same", out var winner));
        Assert.Equal(early.Id, winner.Id);
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

            Assert.Equal(inOrder.State.Totals, interleaved.State.Totals);
            Assert.Equal(inOrder.Version, interleaved.Version);
            Assert.Equal(AccountFolds.Convergent(inOrder), AccountFolds.Convergent(interleaved));
        });

    [Fact]
    public void A_snapshot_restores_the_same_state()
    {
        var events = Chain("eu", new Deposited(1000), new Debited(1, "x", ConsistencyMode.Strict), new Credited(5, new EventId("x", "eu", 1)));
        var fold = Fold(events);

        var restored = AccountType.FromSnapshot(Account, fold.ToSnapshot());

        Assert.NotNull(restored);
        Assert.Equal(fold.State, restored.State);
        Assert.Equal(fold.Position, restored.Position);
        Assert.Equal(fold.State.LastActivity, restored.State.LastActivity);
        Assert.Equal(fold.ToSnapshot().Requests.Select(r => r.Position), restored.ToSnapshot().Requests.Select(r => r.Position));
    }

    private static EntityFold<AccountState> Fold(IEnumerable<EventEnvelope> events) => AccountFolds.Fold(events);

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
