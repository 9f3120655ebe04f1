using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Constraints;

/// <summary>Unique handles (I3) and the apologies owed for lost optimistic claims (I6). The primary region is "ap".</summary>
[Collection(MultiRegionCollection.Name)]
public sealed class HandleTests(MultiRegionFixture regions)
{
    [Fact]
    public async Task Concurrent_strict_claims_from_every_region_never_conflict()
    {
        var handle = Names.Account("h");
        var claims = await Task.WhenAll(Enumerable.Range(0, 9).Select(async i =>
        {
            try
            {
                var receipt = await Handle(MultiRegionFixture.Regions[i % 3], handle).ClaimAsync(new ClaimHandleCommand($"c{i}", $"acct-{i}"));
                return receipt.Account;
            }
            catch (HandleTakenException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(claims, c => c is not null);
        await WaitForOwnerEverywhereAsync(handle, winner);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var log = await regions.Store(region).ReadAsync(HandleEntities.EntityIdOf(handle), 1, 100);
            Assert.Single(log, e => e.Event.Payload is HandleBound);
        }
    }

    [Fact]
    public async Task Rename_moves_a_binding_atomically_and_a_rename_onto_a_taken_handle_changes_nothing()
    {
        var (h1, h2, h3) = (Names.Account("r1"), Names.Account("r2"), Names.Account("r3"));
        await Handle("eu", h1).ClaimAsync(new ClaimHandleCommand("c1", "alice"));
        await Handle("us", h3).ClaimAsync(new ClaimHandleCommand("c3", "bob"));
        var renames = regions.Grains("us").GetGrain<IHandleRenameGrain>(0);

        var moved = await renames.RenameAsync(new RenameHandleCommand("mv1", h1, h2));
        var again = await renames.RenameAsync(new RenameHandleCommand("mv1", h1, h2));
        var refused = await Assert.ThrowsAsync<HandleTakenException>(() => renames.RenameAsync(new RenameHandleCommand("mv2", h2, h3)));

        Assert.Equal("alice", moved.Account);
        Assert.True(again.Replayed);
        Assert.Equal("bob", refused.Owner);
        await WaitForOwnerEverywhereAsync(h1, null);
        await WaitForOwnerEverywhereAsync(h2, "alice");
        await WaitForOwnerEverywhereAsync(h3, "bob");

        await Handle("eu", h3).ReleaseAsync("free3", "bob");
        await WaitForOwnerEverywhereAsync(h3, null);
        await Assert.ThrowsAsync<InvalidRequestException>(() => renames.RenameAsync(new RenameHandleCommand("mv3", h3, h1)));
    }

    [Fact]
    public async Task A_release_frees_only_the_account_it_names_so_a_retry_after_a_new_claim_frees_nobody()
    {
        var handle = Names.Account("rel");

        // A release of a free handle changes nothing and records no decision under its request id.
        var nothing = await Handle("eu", handle).ReleaseAsync("rel-1", "alice");
        Assert.Null(nothing.Account);
        Assert.True(nothing.Events.IsEmpty);

        await Handle("us", handle).ClaimAsync(new ClaimHandleCommand("claim-bob", "bob"));
        await WaitForOwnerEverywhereAsync(handle, "bob");

        // The same release retried (its answer was lost, say) is decided again, now against bob's binding: refused.
        var retried = await Assert.ThrowsAsync<HandleTakenException>(() => Handle("eu", handle).ReleaseAsync("rel-1", "alice"));
        Assert.Equal("bob", retried.Owner);
        var refused = await Assert.ThrowsAsync<HandleTakenException>(() => Handle("ap", handle).ReleaseAsync("rel-carol", "carol"));
        Assert.Equal("bob", refused.Owner);
        Assert.Equal("bob", await regions.Grains("ap").GetGrain<IHandleOwnershipGrain>(handle).GetOwnerAsync());

        var freed = await Handle("us", handle).ReleaseAsync("rel-2", "bob");
        Assert.Equal("bob", freed.Account);
        var again = await Handle("us", handle).ReleaseAsync("rel-2", "bob");
        Assert.True(again.Replayed);
        Assert.Equal("bob", again.Account);
        await WaitForOwnerEverywhereAsync(handle, null);
        foreach (var region in MultiRegionFixture.Regions)
        {
            await Eventually.HoldsAsync(
                async () => (await regions.Store(region).ReadAsync(HandleEntities.EntityIdOf(handle), 1, 100)).Select(e => e.Event.Payload.Kind).SequenceEqual([HandleBound.KindName, HandleReleased.KindName]),
                $"{region} holds exactly bob's binding and its release");
        }
    }

    [Fact]
    public async Task Optimistic_claims_during_a_partition_converge_on_one_winner_and_the_loser_gets_one_apology()
    {
        var handle = Names.Account("hx");
        regions.IsolateAll();
        try
        {
            var first = await Handle("eu", handle).ClaimAsync(new ClaimHandleCommand("claim-eu", "alice", ConsistencyMode.Optimistic));
            var second = await Handle("us", handle).ClaimAsync(new ClaimHandleCommand("claim-us", "bob", ConsistencyMode.Optimistic));
            await Assert.ThrowsAsync<CoordinationUnavailableException>(() => Handle("eu", handle).ClaimAsync(new ClaimHandleCommand("strict", "carol")));

            Assert.True(first.Tentative);
            Assert.True(second.Tentative);
            Assert.Equal(["alice"], (await Handle("eu", handle).WhoisAsync()).PendingClaims.ToArray());
        }
        finally
        {
            regions.HealAll();
        }

        await WaitForOwnerEverywhereAsync(handle, "alice");
        await regions.WaitForConvergenceAsync();
        foreach (var region in MultiRegionFixture.Regions)
        {
            var view = await Handle(region, handle).WhoisAsync();
            Assert.Empty(view.PendingClaims);
            var log = await regions.Store(region).ReadAsync(HandleEntities.EntityIdOf(handle), 1, 100);
            var rejection = Assert.Single(log, e => e.Event.Payload is HandleClaimRejected);
            Assert.Equal("ap", rejection.Event.Origin);
            Assert.Equal("bob", ((HandleClaimRejected)rejection.Event.Payload).Account);
            await Eventually.HoldsAsync(
                async () => (await regions.Grains(region).GetGrain<IApologyFeedGrain>(0).GetAsync("bob")).Any(n => n.EventId == rejection.Event.Id),
                $"bob's apology reaches the feed of {region}");
        }
    }

    [Fact]
    public async Task The_oldest_tentative_claim_wins_even_when_it_reaches_the_primary_last()
    {
        var handle = Names.Account("late");
        regions.IsolateAll();
        try
        {
            await Handle("eu", handle).ClaimAsync(new ClaimHandleCommand("older", "alice", ConsistencyMode.Optimistic));
            await Handle("us", handle).ClaimAsync(new ClaimHandleCommand("younger", "bob", ConsistencyMode.Optimistic));

            // Only us reaches the primary at first: bob is bound while alice's older claim is still away.
            regions.Faults("us").Clear();
            regions.Faults("ap").Set("eu", new Grains.Interfaces.Replication.LinkFault(Cut: true));
            await Eventually.HoldsAsync(async () => (await Handle("ap", handle).WhoisAsync()).Owner == "bob", "the primary binds the only claim it has");
        }
        finally
        {
            regions.HealAll();
        }

        await WaitForOwnerEverywhereAsync(handle, "alice");
        await regions.WaitForConvergenceAsync();
        foreach (var region in MultiRegionFixture.Regions)
        {
            var log = await regions.Store(region).ReadAsync(HandleEntities.EntityIdOf(handle), 1, 100);
            var rejection = Assert.Single(log, e => e.Event.Payload is HandleClaimRejected);
            Assert.Equal("bob", ((HandleClaimRejected)rejection.Event.Payload).Account);
        }
    }

    private IHandleGrain Handle(string region, string handle) => regions.Grains(region).GetGrain<IHandleGrain>(handle);

    private Task WaitForOwnerEverywhereAsync(string handle, string? owner) =>
        Eventually.HoldsAsync(
            async () =>
            {
                foreach (var region in MultiRegionFixture.Regions)
                {
                    var view = await Handle(region, handle).WhoisAsync();
                    if (view.Owner != owner || !view.PendingClaims.IsEmpty)
                    {
                        return false;
                    }
                }

                return true;
            },
            $"every region says {handle} is held by {owner ?? "nobody"}");
}
