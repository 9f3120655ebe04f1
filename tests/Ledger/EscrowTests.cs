using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;
using Concord.Tests.Replication;

namespace Concord.Tests.Ledger;

/// <summary>
/// Escrow in three live regions: each region's deposits are its share of the account, strict debits within the
/// share are decided locally even with every link cut, and shares move only by hand-over events of the giver.
/// </summary>
[Collection(MultiRegionCollection.Name)]
public sealed class EscrowTests(MultiRegionFixture regions)
{
    [Fact]
    public async Task Concurrent_strict_payouts_in_every_region_during_a_full_partition_stay_within_each_share_and_owe_no_apology()
    {
        var account = Names.AccountHomedIn("us", "escrow-i1", MultiRegionFixture.Regions);
        var deposits = new Dictionary<string, decimal> { ["eu"] = 30m, ["us"] = 20m, ["ap"] = 10m };
        foreach (var (region, amount) in deposits)
        {
            await Account(region, account).DepositAsync(new DepositCommand($"d-{region}", amount));
        }

        await regions.WaitForConvergenceAsync();
        foreach (var region in MultiRegionFixture.Regions)
        {
            Assert.Equal(deposits[region], (await Account(region, account).GetBalanceAsync()).Share);
        }

        regions.IsolateAll();
        Dictionary<string, (int Accepted, int Refused)> outcomes = [];
        try
        {
            // Ten payouts of 7.00 in each region at once: a region's share admits floor(share / 7) of them, whatever
            // the order, and refuses the rest at once (home with InsufficientShare, elsewhere with CoordinationUnavailable).
            var perRegion = await Task.WhenAll(MultiRegionFixture.Regions.Select(async region =>
            {
                var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
                {
                    try
                    {
                        var receipt = await Account(region, account).PayoutAsync(new PayoutCommand($"p-{region}-{i}", 7m));
                        Assert.Equal(region, receipt.EventId.Origin);
                        return true;
                    }
                    catch (Exception ex) when (ex is InsufficientShareException or CoordinationUnavailableException)
                    {
                        return false;
                    }
                }));
                return (region, Accepted: results.Count(r => r), Refused: results.Count(r => !r));
            }));
            outcomes = perRegion.ToDictionary(r => r.region, r => (r.Accepted, r.Refused));
        }
        finally
        {
            regions.HealAll();
        }

        Assert.Equal((4, 6), outcomes["eu"]);
        Assert.Equal((2, 8), outcomes["us"]);
        Assert.Equal((1, 9), outcomes["ap"]);

        // 60.00 in, 7 × 7.00 out: 11.00 left everywhere, never negative, and nothing to apologise for.
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account], 1100);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var balance = await Account(region, account).GetBalanceAsync();
            Assert.Equal(11.00m, balance.Balance);
            Assert.False(balance.Frozen);
            Assert.Equal(deposits[region] - (7m * outcomes[region].Accepted), balance.Share);
            var log = await regions.Store(region).ReadAsync(account, 1, 100);
            Assert.DoesNotContain(log, e => e.Event.Payload is OverdraftApology);
            Assert.Empty(await regions.Grains(region).GetGrain<IApologyFeedGrain>(0).GetAsync(account));
        }
    }

    [Fact]
    public async Task A_region_short_of_share_asks_its_peers_and_decides_locally_once_a_hand_over_arrives()
    {
        var account = Names.AccountHomedIn("us", "escrow-ask", MultiRegionFixture.Regions);
        await Account("eu", account).DepositAsync(new DepositCommand("d", 50m));
        await regions.WaitForConvergenceAsync();

        // ap holds no share and home (us) none either: refused with nothing changed, and ap asks eu for share.
        var refused = await Assert.ThrowsAsync<InsufficientShareException>(() => Account("ap", account).PayoutAsync(new PayoutCommand("p", 20m)));
        Assert.Equal(("us", 20.00m, 0.00m, 50.00m), (refused.Region, refused.Requested, refused.Share, refused.Balance));
        foreach (var region in MultiRegionFixture.Regions)
        {
            Assert.Empty(await regions.Store(region).FindByRequestAsync(account, "p"));
        }

        // eu, which spent nothing lately, hands over what was asked (this payout and one more like it).
        // Retried as the SDK retries it: each refusal asks again (an ask skipped while eu was backed off after an
        // earlier test's partition is made by a later attempt), until the hand-over lets ap decide it itself.
        WriteReceipt? receipt = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    receipt = await Account("ap", account).PayoutAsync(new PayoutCommand("p", 20m));
                    return true;
                }
                catch (InsufficientShareException)
                {
                    return false;
                }
            },
            "a retried payout passes in ap once eu's hand-over arrives");
        Assert.Equal("ap", receipt!.EventId.Origin);

        await ConvergenceAssertions.AssertConvergedAsync(regions, [account], 3000);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var log = (await regions.Store(region).ReadAsync(account, 1, 100)).Select(e => e.Event).ToList();
            var handOver = Assert.Single(log, e => e.Payload is EscrowShareGiven);
            Assert.Equal(("eu", new EscrowShareGiven("ap", 4000)), (handOver.Origin, handOver.Payload));
            var balance = await Account(region, account).GetBalanceAsync();
            Assert.Equal(region switch { "eu" => 10.00m, "ap" => 20.00m, _ => 0.00m }, balance.Share);
        }
    }

    [Fact]
    public async Task An_optimistic_debit_beyond_its_share_leaves_other_shares_whole_and_gets_one_apology()
    {
        var account = Names.AccountHomedIn("ap", "escrow-debt", MultiRegionFixture.Regions);
        var payee = Names.Account("escrow-payee");
        await Account("eu", account).DepositAsync(new DepositCommand("d-eu", 10m));
        await Account("us", account).DepositAsync(new DepositCommand("d-us", 10m));
        await regions.WaitForConvergenceAsync();

        regions.IsolateAll();
        try
        {
            // us may overdraw its own share optimistically (its view shows 20.00); eu's share is eu's to spend.
            await Account("us", account).TransferAsync(new TransferCommand("o-us", payee, 15m, ConsistencyMode.Optimistic));
            await Account("eu", account).PayoutAsync(new PayoutCommand("p-eu", 10m));
        }
        finally
        {
            regions.HealAll();
        }

        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 2000 - 1000);
        await Eventually.HoldsAsync(
            async () => (await regions.Store("ap").ReadAsync(account, 1, 100)).Count(e => e.Event.Payload is OverdraftApology) == 1,
            "the home apologises for the overdraft");
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 1000);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var balance = await Account(region, account).GetBalanceAsync();
            Assert.Equal((-5.00m, true), (balance.Balance, balance.Frozen));
            Assert.Equal(region switch { "us" => -5.00m, _ => 0.00m }, balance.Share);
            var apology = Assert.Single((await regions.Store(region).ReadAsync(account, 1, 100)).Select(e => e.Event.Payload).OfType<OverdraftApology>());
            Assert.Equal(500, apology.Deficit);
        }
    }

    private IAccountGrain Account(string region, string account) => regions.Grains(region).GetGrain<IAccountGrain>(account);
}
