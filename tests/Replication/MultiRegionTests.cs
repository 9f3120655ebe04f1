using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

[Collection(MultiRegionCollection.Name)]
public sealed class MultiRegionTests(MultiRegionFixture regions)
{
    [Fact]
    public async Task Writes_in_every_region_converge_to_identical_state_with_conservation()
    {
        var accounts = Enumerable.Range(0, 6).Select(i => Names.Account($"conv{i}")).ToArray();
        long deposited = 0;
        foreach (var (region, i) in MultiRegionFixture.Regions.Select((r, i) => (r, i)))
        {
            foreach (var account in accounts)
            {
                await regions.Grains(region).GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand($"d-{region}", 10m + i));
                deposited += (10 + i) * 100;
            }
        }

        await regions.WaitForConvergenceAsync();
        await regions.Grains("us").GetGrain<IAccountGrain>(accounts[0]).TransferAsync(new TransferCommand("t1", accounts[1], 5m));
        await regions.Grains("ap").GetGrain<IAccountGrain>(accounts[2]).PayoutAsync(new PayoutCommand("p1", 3m));
        await regions.Grains("eu").GetGrain<IAccountGrain>(accounts[3]).TransferAsync(new TransferCommand("t2", accounts[4], 7m, ConsistencyMode.Strict));

        await AssertConvergedAsync(accounts, deposited - 300);

        // I2 in every region, through its derived totals: every balance, deposit, payout and transfer counted.
        foreach (var region in MultiRegionFixture.Regions)
        {
            await Eventually.HoldsAsync(
                async () => await regions.Grains(region).GetGrain<IRegionTotalsGrain>(0).GetAsync() is { InFlight: 0, IsConserved: true },
                $"region totals of {region} are conserved with nothing in flight");
        }
    }

    [Fact]
    public async Task A_region_cut_off_keeps_writing_and_loses_nothing_after_heal()
    {
        var account = Names.AccountHomedIn("us", "part", MultiRegionFixture.Regions);
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("seed", 100m));
        await regions.WaitForConvergenceAsync();
        var receipts = new List<WriteReceipt>();
        regions.Isolate("eu");
        try
        {
            receipts.Add(await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("in-eu", 1m)));
            receipts.Add(await regions.Grains("us").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("in-us", 5m)));

            // Strict, so decided at home (us) with the share its own deposit gave it: eu's share is out of reach.
            receipts.Add(await regions.Grains("ap").GetGrain<IAccountGrain>(account).PayoutAsync(new PayoutCommand("in-ap", 4m)));
            await Eventually.HoldsAsync(
                async () => (await regions.Grains("ap").GetGrain<IAccountGrain>(account).GetBalanceAsync()).Version["us"] >= 1,
                "us and ap still replicate to each other");
            var isolated = await regions.Grains("eu").GetGrain<IAccountGrain>(account).GetBalanceAsync();
            Assert.Equal(101.00m, isolated.Balance);
            Assert.Equal(0, isolated.Version["us"]);
        }
        finally
        {
            regions.HealAll();
        }

        await AssertConvergedAsync([account], 10000 + 100 + 500 - 400);
        foreach (var region in MultiRegionFixture.Regions)
        {
            foreach (var receipt in receipts)
            {
                Assert.NotNull(await regions.Store(region).FindAsync(receipt.EventId));
            }
        }
    }

    [Fact]
    public async Task Events_reach_a_region_cut_off_from_their_origin_relayed_under_the_origins_signed_checkpoint()
    {
        var account = Names.Account("relay");
        regions.Faults("ap").Set("eu", new Grains.Interfaces.Replication.LinkFault(Cut: true));
        regions.Faults("eu").Set("ap", new Grains.Interfaces.Replication.LinkFault(Cut: true));
        try
        {
            var receipt = await regions.Grains("ap").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d", 3m));

            // ap never talks to eu; us relays ap's event together with ap's signed checkpoint.
            await Eventually.HoldsAsync(async () => await regions.Store("eu").FindAsync(receipt.EventId) is not null, "eu receives ap's event through us");
            Assert.Equal(3.00m, (await regions.Grains("eu").GetGrain<IAccountGrain>(account).GetBalanceAsync()).Balance);
        }
        finally
        {
            regions.HealAll();
        }
    }

    [Fact]
    public async Task A_retry_through_another_region_with_the_same_request_id_takes_effect_once()
    {
        var account = Names.Account("failover");
        regions.Isolate("eu");
        WriteReceipt first, retried;
        try
        {
            // The client's first attempt reached eu, but the answer never came back; it fails over to us.
            first = await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("pay-42", 25m));
            retried = await regions.Grains("us").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("pay-42", 25m));
            Assert.NotEqual(first.EventId, retried.EventId);
        }
        finally
        {
            regions.HealAll();
        }

        await AssertConvergedAsync([account], 2500);
        foreach (var region in MultiRegionFixture.Regions)
        {
            Assert.Equal(2, (await regions.Store(region).FindByRequestAsync(account, "pay-42")).Count);
            var statement = await regions.Grains(region).GetGrain<IAccountGrain>(account).GetStatementAsync();
            Assert.Equal(1, statement.Lines.Count(l => l.Void));
            Assert.Equal(first.EventId, statement.Lines.Single(l => !l.Void).EventId);
            var again = await regions.Grains(region).GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("pay-42", 25m));
            Assert.True(again.Replayed);
        }
    }

    private Task AssertConvergedAsync(IReadOnlyList<string> accounts, long expectedSum) =>
        ConvergenceAssertions.AssertConvergedAsync(regions, accounts, expectedSum);
}
