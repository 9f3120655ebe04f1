using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;

namespace Concord.Tests.Ledger;

/// <summary>
/// Whether an overdraft is apologised for, and for which debits, read from the set of events (docs/reliability.md,
/// finding 2): every replica of an account holds the same state byte for byte, whatever order its debits arrived in.
/// </summary>
public sealed class OverdraftApologyFoldTests
{
    private const string Account = "acc";

    [Fact]
    public void Optimistic_overdrafts_and_their_apologies_converge_byte_for_byte_in_every_causal_order() =>
        ConvergenceCheck.Run(
            AccountType.Instance,
            (random, _) => random.Next(5) switch
            {
                0 or 1 => new Deposited(random.Next(1, 500)),
                _ => new Debited(random.Next(1, 400), "payee", ConsistencyMode.Optimistic),
            },
            seed: 3,
            runs: 400,
            regions: 3);

    [Fact]
    public void An_apology_covers_the_debits_it_saw_and_a_debit_it_did_not_see_owes_a_new_one_naming_it()
    {
        var state = Apply(AccountState.Empty, new Deposited(100), "ap", 1, Deps());
        state = Apply(state, new Debited(70, "b", ConsistencyMode.Optimistic), "eu", 1, Deps(("ap", 1)));
        state = Apply(state, new Debited(60, "b", ConsistencyMode.Optimistic), "us", 1, Deps(("ap", 1)));
        var first = Assert.Single(AccountType.Instance.OwedApologies(state));
        Assert.Equal(new OverdraftApology(30, [new("acc", "eu", 1), new("acc", "us", 1)]), first.Payload);

        state = Apply(state, (OverdraftApology)first.Payload, "ap", 2, Deps(("ap", 1), ("eu", 1), ("us", 1)));
        Assert.True(state.OverdraftCovered);
        Assert.Empty(AccountType.Instance.OwedApologies(state));

        // A deposit does not uncover it; a debit made in eu before eu heard of the apology does.
        state = Apply(state, new Deposited(20), "ap", 3, Deps(("ap", 2), ("eu", 1), ("us", 1)));
        Assert.Empty(AccountType.Instance.OwedApologies(state));
        state = Apply(state, new Debited(5, "b", ConsistencyMode.Optimistic), "eu", 2, Deps(("ap", 1), ("eu", 1)));
        var second = Assert.Single(AccountType.Instance.OwedApologies(state));
        Assert.Equal("overdraft/2", second.Key);
        Assert.Equal(new OverdraftApology(15, [new("acc", "eu", 2)]), second.Payload);
    }

    [Fact]
    public void Back_at_zero_the_account_thaws_and_a_later_overdraft_owes_an_apology_of_its_own()
    {
        var state = Apply(AccountState.Empty, new Deposited(100), "ap", 1, Deps());
        state = Apply(state, new Debited(70, "b", ConsistencyMode.Optimistic), "eu", 1, Deps(("ap", 1)));
        state = Apply(state, new Debited(60, "b", ConsistencyMode.Optimistic), "us", 1, Deps(("ap", 1)));
        state = Apply(state, (OverdraftApology)Assert.Single(AccountType.Instance.OwedApologies(state)).Payload, "ap", 2, Deps(("ap", 1), ("eu", 1), ("us", 1)));
        Assert.True(state.Frozen);

        state = Apply(state, new Deposited(50), "us", 2, Deps(("ap", 2), ("eu", 1), ("us", 1)));
        Assert.Equal(20, state.Balance);
        Assert.False(state.Frozen);
        Assert.Empty(AccountType.Instance.OwedApologies(state));

        // eu, having seen the apology and the deposit, overdraws again with eu and us concurrently.
        state = Apply(state, new Debited(15, "b", ConsistencyMode.Optimistic), "eu", 2, Deps(("ap", 2), ("eu", 1), ("us", 2)));
        state = Apply(state, new Debited(10, "b", ConsistencyMode.Optimistic), "us", 3, Deps(("ap", 2), ("eu", 1), ("us", 2)));
        var owed = Assert.Single(AccountType.Instance.OwedApologies(state));
        Assert.Equal("overdraft/2", owed.Key);
        Assert.Equal(new OverdraftApology(5, [new("acc", "eu", 2), new("acc", "us", 3)]), owed.Payload);
    }

    [Fact]
    public void A_late_debit_older_than_the_whole_window_still_owes_an_apology()
    {
        // 40 sequential payouts at home fill the window with newer debits; then a debit made long ago in a cut-off
        // region arrives, older by HLC than all of them, and overdraws the account.
        var state = Apply(AccountState.Empty, new Deposited(10_000), "ap", 1, Deps(), hlc: 1_000);
        for (var seq = 2; seq <= 41; seq++)
        {
            state = Apply(state, new PaidOut(200), "ap", seq, Deps(("ap", seq - 1)), hlc: 1_000 + seq);
        }

        state = Apply(state, new OverdraftApology(1, []), "ap", 42, Deps(("ap", 41)), hlc: 2_000);
        state = Apply(state, new Debited(2_500, "b", ConsistencyMode.Optimistic), "eu", 1, Deps(("ap", 1)), hlc: 1_001);

        Assert.Equal(-500, state.Balance);
        Assert.Equal(AccountState.MaxTrackedDebits, state.DebitWindow.Length);
        Assert.DoesNotContain(state.DebitWindow, d => d.Id.Origin == "eu");
        var owed = Assert.Single(AccountType.Instance.OwedApologies(state));
        Assert.Equal(new OverdraftApology(500, [new("acc", "eu", 1)]), owed.Payload);
    }

    private static AccountState Apply(AccountState state, EventPayload payload, string origin, long seq, VersionVector deps, long? hlc = null) =>
        state.With(payload, new EventContext(new EventId(Account, origin, seq), $"{origin}-{seq}", new HlcTimestamp(hlc ?? (1_000 + (seq * 10) + deps.Entries.Sum(d => d.Seq)), 0, origin), deps));

    private static VersionVector Deps(params (string Origin, long Seq)[] entries) =>
        VersionVector.From(entries.Select(e => new KeyValuePair<string, long>(e.Origin, e.Seq)));
}
