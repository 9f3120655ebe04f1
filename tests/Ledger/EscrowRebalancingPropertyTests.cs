using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Concord.Tests.Ledger;

/// <summary>
/// The ledger's escrow under random rebalancing: three regions run the account's real decision rule, fold and
/// rebalancing policy, and talk over a network that loses, duplicates and reorders every message (asks and
/// replicated events alike; replicas apply events in causal order, as Concord's do). After every step every region's
/// view has every share at or above zero and the shares summing to its balance; after a final anti-entropy pass
/// every region holds the same shares and the balance is exactly what was deposited minus what was paid out.
/// CsCheck prints the failing seed.
/// </summary>
public sealed class EscrowRebalancingPropertyTests
{
    private const string Account = "acc-escrow";
    private static readonly string[] Regions = ["ap", "eu", "us"];

    private sealed record Event(EventId Id, VersionVector Deps, EventPayload Payload);

    private abstract record Message(string To);

    private sealed record Replicate(string To, Event Event) : Message(To);

    private sealed record Ask(string To, string From, long Amount) : Message(To);

    private sealed class Region(string name, TimeProvider time)
    {
        public string Name { get; } = name;

        public AccountState State { get; set; } = AccountState.Empty;

        public VersionVector Version { get; set; } = VersionVector.Empty;

        public List<Event> Buffer { get; } = [];

        public EscrowRebalancing Policy { get; } = new(name, time, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));

        public void Apply(Event e)
        {
            State = State.With(e.Payload, new EventContext(e.Id, $"r-{e.Id.Origin}-{e.Id.Seq}", new HlcTimestamp(e.Id.Seq, 0, e.Id.Origin), e.Deps));
            Version = Version.With(e.Id.Origin, e.Id.Seq);
        }

        /// <summary>Applies whatever buffered events are causally ready; duplicates of applied ones are dropped.</summary>
        public void Drain()
        {
            for (var progressed = true; progressed;)
            {
                progressed = false;
                Buffer.RemoveAll(e => Version[e.Id.Origin] >= e.Id.Seq);
                if (Buffer.FirstOrDefault(e => Version[e.Id.Origin] == e.Id.Seq - 1 && Version.Covers(e.Deps)) is { } ready)
                {
                    Buffer.Remove(ready);
                    Apply(ready);
                    progressed = true;
                }
            }
        }
    }

    [Fact]
    public void Shares_are_conserved_and_never_overspent_under_lost_duplicated_and_reordered_messages() =>
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var time = new FakeTimeProvider();
            var regions = Regions.ToDictionary(r => r, r => new Region(r, time));
            var network = new List<Message>();
            var all = new List<Event>();
            long deposited = 0, paidOut = 0;

            void Append(Region at, EventPayload payload)
            {
                var e = new Event(new EventId(Account, at.Name, at.Version[at.Name] + 1), at.Version, payload);
                at.Apply(e);
                all.Add(e);
                network.AddRange(Regions.Where(r => r != at.Name).Select(r => new Replicate(r, e)));
            }

            for (var step = 0; step < 200; step++)
            {
                time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 40)));
                var at = regions[Regions[random.Next(Regions.Length)]];
                var amount = random.Next(1, 20);
                switch (random.Next(5))
                {
                    case 0:
                        Append(at, new Deposited(amount));
                        deposited += amount;
                        break;
                    case 1 or 2:
                        try
                        {
                            Append(at, AccountType.Decide(at.State, new PaidOut(amount), Account, at.Name, reserved: 0));
                            at.Policy.RecordSpend(amount);
                            paidOut += amount;
                        }
                        catch (InsufficientShareException)
                        {
                            network.AddRange(at.Policy.AsksFor(at.State.Escrow, amount).Select(a => new Ask(a.Peer, at.Name, a.Amount)));
                        }
                        catch (InsufficientFundsException)
                        {
                        }

                        break;
                    default:
                        if (network.Count == 0)
                        {
                            break;
                        }

                        // Reordered: any message in flight may go next; a third are lost, a fifth delivered twice.
                        var message = network[random.Next(network.Count)];
                        if (random.Next(5) != 0)
                        {
                            network.Remove(message);
                        }

                        if (random.Next(3) == 0)
                        {
                            break;
                        }

                        var to = regions[message.To];
                        if (message is Replicate replicate)
                        {
                            to.Buffer.Add(replicate.Event);
                            to.Drain();
                        }
                        else if (message is Ask ask && to.Policy.Giveable(to.State.Escrow, ask.Amount) is > 0 and var give)
                        {
                            Append(to, new EscrowShareGiven(ask.From, give));
                        }

                        break;
                }

                foreach (var region in regions.Values)
                {
                    AssertSharesSound(region);
                }
            }

            // Anti-entropy: every region gets every event, in causal order.
            foreach (var region in regions.Values)
            {
                region.Buffer.AddRange(all);
                region.Drain();
                Assert.Empty(region.Buffer);
                AssertSharesSound(region);
            }

            var first = regions[Regions[0]].State;
            Assert.Equal(deposited - paidOut, first.Balance);
            foreach (var region in regions.Values)
            {
                Assert.Equal(first.Totals, region.State.Totals);
                Assert.Equal(PayloadTypes.CanonicalOf(first.Escrow), PayloadTypes.CanonicalOf(region.State.Escrow));
                Assert.Equal(Regions.Select(first.Escrow.RightsOf), Regions.Select(region.State.Escrow.RightsOf));
            }
        }, iter: 150);

    [Fact]
    public void A_strict_debit_is_decided_against_the_deciding_regions_share_and_an_optimistic_one_against_the_balance()
    {
        var state = Fold(("eu", new Deposited(1000)), ("us", new Deposited(500)));
        Assert.Equal((1000L, 500L, 1500L), (state.Escrow.RightsOf("eu"), state.Escrow.RightsOf("us"), state.Balance));

        Assert.Equal(new PaidOut(1000), AccountType.Decide(state, new PaidOut(1000), Account, "eu", reserved: 0));
        var short_ = Assert.Throws<InsufficientShareException>(() => AccountType.Decide(state, new PaidOut(501), Account, "us", reserved: 0));
        Assert.Equal(("us", 5.01m, 5.00m, 15.00m), (short_.Region, short_.Requested, short_.Share, short_.Balance));
        Assert.Throws<InsufficientFundsException>(() => AccountType.Decide(state, new PaidOut(1501), Account, "eu", reserved: 0));

        // An optimistic debit sees the balance; beyond its region's share it leaves that region in debt, not the others.
        var optimistic = new Debited(1200, "acc-x", ConsistencyMode.Optimistic);
        Assert.Equal(optimistic, AccountType.Decide(state, optimistic, Account, "us", reserved: 0));
        var after = Fold(("eu", new Deposited(1000)), ("us", new Deposited(500)), ("us", optimistic));
        Assert.Equal((1000L, -700L, 300L), (after.Escrow.RightsOf("eu"), after.Escrow.RightsOf("us"), after.Balance));
        Assert.Null(after.EscrowBreach);
    }

    [Fact]
    public void A_strict_spend_beyond_its_regions_share_in_a_log_is_an_invariant_violation()
    {
        var breached = Fold(("eu", new Deposited(1000)), ("us", new PaidOut(300)));

        Assert.Equal(new EventId(Account, "us", 1), breached.EscrowBreach);
        var violation = Assert.Single(AccountType.Instance.CheckInvariants(breached, atHome: false));
        Assert.Equal($"I1: region 'us' spent beyond its escrow share at {new EventId(Account, "us", 1)}", violation);
        Assert.Empty(AccountType.Instance.CheckInvariants(Fold(("eu", new Deposited(1000)), ("eu", new EscrowShareGiven("us", 300)), ("us", new PaidOut(300))), atHome: false));
    }

    [Fact]
    public void An_accounts_totals_contribution_carries_its_shares_per_region_and_what_holds_reserve_and_subtracts_back_to_nothing()
    {
        var state = Fold(("eu", new Deposited(1000)), ("us", new Deposited(500)), ("eu", new EscrowShareGiven("ap", 200)), ("us", new HoldPlaced(150, "acc-x", 1)));

        var contribution = LedgerTotals.ContributionOf(state);

        Assert.Equal([("ap", 2.00m), ("eu", 8.00m), ("us", 3.50m)], contribution.Shares!.Select(s => (s.Key, s.Value)));
        Assert.Equal((15.00m, 1.50m), (contribution.SumOfBalances, contribution.Held));
        var twice = contribution.Add(contribution);
        Assert.Equal((16.00m, 3.00m), (twice.Shares!["eu"], twice.Held));
        var none = twice.Subtract(contribution).Subtract(contribution);
        Assert.Empty(none.Shares!);
        Assert.Equal((0L, 0m), (none.Accounts, none.Held));
    }

    /// <summary>Folds events given as (origin, payload), each depending on everything before it.</summary>
    private static AccountState Fold(params (string Origin, EventPayload Payload)[] events)
    {
        var state = AccountState.Empty;
        var version = VersionVector.Empty;
        foreach (var (origin, payload) in events)
        {
            var id = new EventId(Account, origin, version[origin] + 1);
            state = state.With(payload, new EventContext(id, $"r{id.Seq}", new HlcTimestamp(id.Seq, 0, origin), version));
            version = version.With(origin, id.Seq);
        }

        return state;
    }

    private static void AssertSharesSound(Region region)
    {
        var escrow = region.State.Escrow;
        Assert.All(Regions, r => Assert.True(escrow.RightsOf(r) >= 0, $"{region.Name} sees {r}'s share at {escrow.RightsOf(r)}"));
        Assert.Equal(region.State.Balance, Regions.Sum(escrow.RightsOf));
        Assert.Null(region.State.EscrowBreach);
    }
}
