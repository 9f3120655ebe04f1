using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Grains.Replication;
using Concord.Tests.Ledger;
using CsCheck;

namespace Concord.Tests.Replication;

/// <summary>
/// The merge, without clusters: random causal histories over three origins, delivered to fresh replicas
/// in random orders (duplicates included) through the causal buffer, always end in byte-identical state.
/// </summary>
public sealed class CausalMergePropertyTests
{
    private const string Entity = "acc";
    private static readonly string[] Origins = ["ap", "eu", "us"];

    [Fact]
    public void Any_delivery_order_ends_in_byte_identical_state() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int, Gen.Int).Sample((steps, historySeed, deliverySeed) =>
        {
            var history = History(steps, new Random(historySeed));
            var reference = Replay(history);

            var random = new Random(deliverySeed);
            var delivery = history.Concat(history.Where(_ => random.Next(4) == 0)).OrderBy(_ => random.Next()).ToList();
            var replica = DeliverThroughBuffer(delivery, random);

            Assert.Equal(AccountFolds.Convergent(reference), AccountFolds.Convergent(replica));
            Assert.Equal(reference.State.Totals, replica.State.Totals);
            Assert.Equal(history.Count, replica.Position);
        });

    /// <summary>Three origin replicas write (sometimes reusing a request id, as a failed-over client would) and occasionally sync.</summary>
    private static List<EventEnvelope> History(int steps, Random random)
    {
        var known = Origins.ToDictionary(o => o, _ => new List<EventEnvelope>());
        var all = new List<EventEnvelope>();
        var clock = 1000L;
        for (var step = 0; step < steps; step++)
        {
            var origin = Origins[random.Next(3)];
            if (random.Next(3) == 0)
            {
                // Sync: origin learns everything another origin knows, in that origin's (causal) order.
                var other = Origins[random.Next(3)];
                foreach (var learned in known[other].Where(k => !known[origin].Contains(k)).ToList())
                {
                    known[origin].Add(learned);
                }

                continue;
            }

            var mine = known[origin].Where(e => e.Origin == origin).ToList();
            var version = VersionVector.From(known[origin].GroupBy(e => e.Origin).Select(g => new KeyValuePair<string, long>(g.Key, g.Max(e => e.Seq))));
            var requestId = random.Next(5) == 0 ? "shared" : $"{origin}-{step}";
            EventPayload payload = random.Next(2) == 0 ? new Deposited(random.Next(1, 1000)) : new PaidOut(random.Next(1, 1000));
            var e = EventCodec.Seal(
                new EventId(Entity, origin, mine.Count + 1),
                requestId,
                new HlcTimestamp(clock += random.Next(0, 3), random.Next(0, 2), origin),
                version,
                payload,
                mine.Count == 0 ? ChainHash.Genesis : mine[^1].Hash);
            known[origin].Add(e);
            all.Add(e);
        }

        return all;
    }

    private static EntityFold<AccountState> Replay(IEnumerable<EventEnvelope> events) => AccountFolds.Fold(events);

    private static EntityFold<AccountState> DeliverThroughBuffer(List<EventEnvelope> delivery, Random random)
    {
        var applied = new List<EventEnvelope>();
        var state = AccountType.NewFold(Entity);
        var buffer = new CausalBuffer();
        var index = 0;
        while (index < delivery.Count)
        {
            var chunk = random.Next(1, 5);
            foreach (var e in delivery.Skip(index).Take(chunk))
            {
                buffer.Add(e);
            }

            index += chunk;
            var ready = buffer.TakeReady(state.Heads.ToDictionary(StringComparer.Ordinal), state.Version, out var rejected);
            Assert.Equal(0, rejected);
            foreach (var e in ready)
            {
                state.Apply(new LoggedEvent(state.Position + 1, e));
                applied.Add(e);
            }
        }

        Assert.Equal(0, buffer.Count);

        // Folded again as the grain does, in case a request's winner arrived after its loser.
        return AccountFolds.Fold(applied);
    }
}
