using Concord.Grains.Entities;
using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Handles;

namespace Concord.Tests.Constraints;

/// <summary>The handle type's fold on its own: it converges in every causal order, and the oldest tentative claim wins.</summary>
public sealed class HandleFoldTests
{
    private static readonly string[] Accounts = ["alice", "bob", "carol"];

    [Fact]
    public void The_handle_type_converges_with_strict_and_tentative_claims_releases_displacements_and_rejections() =>
        ConvergenceCheck.Run(
            new HandleType("r00"),
            (random, state) => random.Next(6) switch
            {
                0 => new ClaimHandleCommand("unused", Accounts[random.Next(Accounts.Length)]),
                1 => new ReleaseHandle(state.Owner ?? Accounts[random.Next(Accounts.Length)]),
                2 or 3 when state.Pending.Any() => new ResolveClaim(state.Pending.ElementAt(random.Next(state.Pending.Count())).Key),
                _ => new ClaimTentatively(Accounts[random.Next(Accounts.Length)]),
            },
            seed: 11,
            runs: 300,
            regions: 3);

    [Fact]
    public void A_younger_tentative_winner_is_displaced_by_an_older_claim_and_owed_exactly_one_rejection()
    {
        var type = new HandleType("ap");
        var older = new TentativeClaim("alice", new Grains.Interfaces.Events.HlcTimestamp(100, 0, "eu"), ClaimStatus.Pending);
        var younger = new TentativeClaim("bob", new Grains.Interfaces.Events.HlcTimestamp(200, 0, "us"), ClaimStatus.Bound);
        var state = HandleState.Empty with
        {
            Owner = "bob",
            OwnerClaimId = "c-us",
            Claims = HandleState.Empty.Claims.Add("c-eu", older).Add("c-us", younger),
        };

        Assert.True(state.IsBindable(older));
        Assert.Empty(type.OwedApologies(state));

        var after = type.Apply(state, new HandleBound("alice", "c-eu"), Context("ap", "decide/c-eu"));

        Assert.Equal("alice", after.Owner);
        Assert.Equal(ClaimStatus.Displaced, after.Claims["c-us"].Status);
        var apology = Assert.Single(type.OwedApologies(after));
        Assert.Equal(new HandleClaimRejected("bob", "c-us", "alice"), apology.Payload);

        // Snapshots and the audit compare states by canonical JSON, so the state must read back to the same bytes.
        var json = PayloadTypes.CanonicalOf(after);
        Assert.Equal(json, PayloadTypes.CanonicalOf(PayloadTypes.StateOf<HandleState>(json)));
        Assert.Contains("\"LostTo\":\"alice\"", json, StringComparison.Ordinal);

        // A binding from any region but the primary changes nothing.
        Assert.Equal(state, type.Apply(state, new HandleBound("alice", "c-eu"), Context("eu", "forged")));
    }

    /// <summary>Found by the simulator (docs/reliability.md): a strict owner's tentative re-claim, once bound, let an older claim displace it.</summary>
    [Fact]
    public void An_owner_claiming_again_tentatively_never_weakens_its_strict_binding()
    {
        var type = new HandleType("ap");
        var state = type.Apply(HandleState.Empty, new HandleBound("acc-6", "op-21"), Context("ap", "op-21"));
        state = type.Apply(state, new HandleClaimTentative("acc-6"), Context("us", "op-48", 500));
        Assert.Equal("op-48", state.NextClaimToBind);
        state = type.Apply(state, new HandleBound("acc-6", "op-48"), Context("ap", "decide/op-48", 600));
        state = type.Apply(state, new HandleClaimTentative("acc-2"), Context("eu", "op-17", 400));

        Assert.Equal(("acc-6", "op-21"), (state.Owner, state.OwnerClaimId));
        Assert.Equal(ClaimStatus.Bound, state.Claims["op-48"].Status);
        Assert.Null(state.NextClaimToBind);
        var apology = Assert.Single(type.OwedApologies(state));
        Assert.Equal(new HandleClaimRejected("acc-2", "op-17", "acc-6"), apology.Payload);
    }

    /// <summary>
    /// Found by the simulator: a claim recorded in two regions under one request id. The primary decided the copy that
    /// arrived first there, and the other copy, older by (HLC, origin), won the request id and arrived after the decision.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_decision_that_arrives_before_the_claim_it_decides_is_kept_until_the_claim_arrives(bool rejected)
    {
        var decision = rejected ? ClaimStatus.Rejected : ClaimStatus.Bound;
        var type = new HandleType("ap");
        var owned = type.Apply(HandleState.Empty, new HandleBound("acc-6", "op-1"), Context("ap", "op-1"));
        var decided = decision == ClaimStatus.Rejected
            ? (Payload: (object)new HandleClaimRejected("acc-2", "op-57", "acc-6"), Context: Context("ap", "apology/r", 700))
            : (Payload: new HandleBound("acc-2", "op-57"), Context: Context("ap", "decide/op-57", 700));
        var claim = (Payload: new HandleClaimTentative("acc-2"), Context: Context("us", "op-57", 150));
        var start = decision == ClaimStatus.Rejected ? owned : HandleState.Empty;

        var decisionFirst = type.Apply(type.Apply(start, decided.Payload, decided.Context), claim.Payload, claim.Context);
        var claimFirst = type.Apply(type.Apply(start, claim.Payload, claim.Context), decided.Payload, decided.Context);

        Assert.Equal(decision, decisionFirst.Claims["op-57"].Status);
        Assert.Equal(150, decisionFirst.Claims["op-57"].Hlc.PhysicalMs);
        Assert.Equal(PayloadTypes.CanonicalOf(claimFirst), PayloadTypes.CanonicalOf(decisionFirst));
        Assert.Null(decisionFirst.NextClaimToBind);
        Assert.Empty(type.OwedApologies(decisionFirst));
    }

    private static EventContext Context(string origin, string requestId, long physicalMs = 300) =>
        new(new Grains.Interfaces.Events.EventId("handle/h", origin, 1), requestId, new Grains.Interfaces.Events.HlcTimestamp(physicalMs, 0, origin), Grains.Interfaces.Events.VersionVector.Empty);
}
