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
                1 => new ReleaseHandle(),
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

    private static EventContext Context(string origin, string requestId) =>
        new(new Grains.Interfaces.Events.EventId("handle/h", origin, 1), requestId, new Grains.Interfaces.Events.HlcTimestamp(300, 0, origin), Grains.Interfaces.Events.VersionVector.Empty);
}
