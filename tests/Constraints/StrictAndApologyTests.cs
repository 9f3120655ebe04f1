using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;
using Concord.Tests.Replication;

namespace Concord.Tests.Constraints;

[Collection(MultiRegionCollection.Name)]
public sealed class StrictAndApologyTests(MultiRegionFixture regions)
{
    [Fact]
    public async Task A_strict_payout_is_decided_at_the_home_region_and_read_back_at_once()
    {
        var account = Names.AccountHomedIn("us", "home", MultiRegionFixture.Regions);
        await Account("us", account).DepositAsync(new DepositCommand("d", 100m));
        await regions.WaitForConvergenceAsync();

        var receipt = await Account("eu", account).PayoutAsync(new PayoutCommand("p", 30m));
        var again = await Account("eu", account).PayoutAsync(new PayoutCommand("p", 30m));

        Assert.Equal("us", receipt.EventId.Origin);
        Assert.True(again.Replayed);
        var balance = await Account("eu", account).GetBalanceAsync();
        Assert.Equal(70.00m, balance.Balance);
        Assert.Equal("us", balance.HomeRegion);
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account], 7000);
    }

    [Fact]
    public async Task A_strict_debit_fails_fast_when_the_home_region_is_cut_off_and_changes_nothing()
    {
        var account = Names.AccountHomedIn("us", "cutoff", MultiRegionFixture.Regions);
        await Account("us", account).DepositAsync(new DepositCommand("d", 100m));
        await regions.WaitForConvergenceAsync();
        regions.Isolate("us");
        try
        {
            var payout = await Assert.ThrowsAsync<CoordinationUnavailableException>(() => Account("eu", account).PayoutAsync(new PayoutCommand("p", 10m)));
            var transfer = await Assert.ThrowsAsync<CoordinationUnavailableException>(() =>
                Account("ap", account).TransferAsync(new TransferCommand("t", "elsewhere", 10m, ConsistencyMode.Strict)));
            Assert.Equal("us", payout.HomeRegion);
            Assert.Equal(account, transfer.EntityId);

            // Optimistic debits and credits need no coordination and still work while the home is away.
            await Account("eu", account).TransferAsync(new TransferCommand("o", Names.Account("other"), 1m, ConsistencyMode.Optimistic));
        }
        finally
        {
            regions.HealAll();
        }

        await regions.WaitForConvergenceAsync();
        foreach (var region in MultiRegionFixture.Regions)
        {
            Assert.Empty(await regions.Store(region).FindByRequestAsync(account, "p"));
            Assert.Empty(await regions.Store(region).FindByRequestAsync(account, "t"));
        }
    }

    [Fact]
    public async Task Concurrent_strict_payouts_from_every_region_never_overdraw_anywhere()
    {
        var account = Names.AccountHomedIn("eu", "i1", MultiRegionFixture.Regions);
        await Account("eu", account).DepositAsync(new DepositCommand("d", 100m));
        await regions.WaitForConvergenceAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            try
            {
                await Account(MultiRegionFixture.Regions[i % 3], account).PayoutAsync(new PayoutCommand($"p{i}", 7m));
                return 1;
            }
            catch (InsufficientFundsException)
            {
                return 0;
            }
        }));

        Assert.Equal(14, results.Sum());
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account], 200);
    }

    [Fact]
    public async Task Optimistic_debits_that_overdraw_during_a_partition_get_exactly_one_apology_everywhere()
    {
        var account = Names.AccountHomedIn("ap", "overdraw", MultiRegionFixture.Regions);
        var payee = Names.Account("payee");
        await Account("ap", account).DepositAsync(new DepositCommand("d", 100m));
        await regions.WaitForConvergenceAsync();

        // Every region on its own: each accepts an optimistic debit its own view allows.
        regions.IsolateAll();
        try
        {
            await Account("eu", account).TransferAsync(new TransferCommand("t-eu", payee, 70m, ConsistencyMode.Optimistic));
            await Account("us", account).TransferAsync(new TransferCommand("t-us", payee, 60m, ConsistencyMode.Optimistic));
            await Assert.ThrowsAsync<CoordinationUnavailableException>(() => Account("eu", account).PayoutAsync(new PayoutCommand("p", 1m)));
        }
        finally
        {
            regions.HealAll();
        }

        // The home region apologises once it has merged both debits; the apology then replicates everywhere.
        await WaitForApologiesAsync(account, 1);
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 10000);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var apologies = (await regions.Store(region).ReadAsync(account, 1, 100)).Where(e => e.Event.Payload is OverdraftApology).ToList();
            var apology = Assert.Single(apologies);
            Assert.Equal("ap", apology.Event.Origin);
            Assert.Equal(3000, ((OverdraftApology)apology.Event.Payload).Deficit);
            Assert.Equal(2, ((OverdraftApology)apology.Event.Payload).Causes.Length);
            Assert.True((await Account(region, account).GetBalanceAsync()).Frozen);
            await Eventually.HoldsAsync(
                async () => (await regions.Grains(region).GetGrain<IApologyFeedGrain>(0).GetAsync(account)).Length == 1,
                $"the apology reaches the feed of {region}");
        }

        await Assert.ThrowsAsync<AccountFrozenException>(() => Account("us", account).TransferAsync(new TransferCommand("t2", payee, 1m)));

        // Back above zero the account thaws; a new overdraft is a new violation with its own single apology.
        await Account("eu", account).DepositAsync(new DepositCommand("d2", 40m));
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 14000);
        Assert.False((await Account("us", account).GetBalanceAsync()).Frozen);
        regions.IsolateAll();
        try
        {
            await Account("eu", account).TransferAsync(new TransferCommand("t3", payee, 8m));
            await Account("us", account).TransferAsync(new TransferCommand("t4", payee, 8m));
        }
        finally
        {
            regions.HealAll();
        }

        await WaitForApologiesAsync(account, 2);
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 14000);
        await ConvergenceAssertions.AssertEveryOverdraftApologisedAsync(regions, [account]);
        foreach (var region in MultiRegionFixture.Regions)
        {
            Assert.Equal(2, (await regions.Store(region).ReadAsync(account, 1, 100)).Count(e => e.Event.Payload is OverdraftApology));
        }
    }

    [Fact]
    public async Task A_batch_is_decided_at_its_sources_home_and_refused_when_sources_have_different_homes()
    {
        var a = Names.AccountHomedIn("us", "ba", MultiRegionFixture.Regions);
        var b = Names.AccountHomedIn("us", "bb", MultiRegionFixture.Regions);
        var elsewhere = Names.AccountHomedIn("ap", "bc", MultiRegionFixture.Regions);
        var payee = Names.Account("payee");
        await Account("us", a).DepositAsync(new DepositCommand("d", 10m));
        await Account("us", b).DepositAsync(new DepositCommand("d", 10m));
        await Account("ap", elsewhere).DepositAsync(new DepositCommand("d", 10m));
        await regions.WaitForConvergenceAsync();
        var batches = regions.Grains("eu").GetGrain<IBatchTransferGrain>(0);

        var mixed = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            batches.TransferAsync(new BatchTransferCommand("mixed", [new(a, payee, 1m), new(elsewhere, payee, 1m)])));
        var receipt = await batches.TransferAsync(new BatchTransferCommand("same-home", [new(a, payee, 4m), new(b, payee, 6m)]));

        Assert.Contains("different regions", mixed.Message);
        Assert.All(receipt.Debits, r => Assert.Equal("us", r.EventId.Origin));
        await ConvergenceAssertions.AssertConvergedAsync(regions, [a, b, elsewhere, payee], 3000);
        Assert.Equal(10.00m, (await Account("ap", payee).GetBalanceAsync()).Balance);
    }

    private Task WaitForApologiesAsync(string account, int count) =>
        Eventually.HoldsAsync(
            async () =>
            {
                foreach (var region in MultiRegionFixture.Regions)
                {
                    if ((await regions.Store(region).ReadAsync(account, 1, 1000)).Count(e => e.Event.Payload is OverdraftApology) < count)
                    {
                        return false;
                    }
                }

                return true;
            },
            $"{count} apology(ies) for {account} in every region");

    private IAccountGrain Account(string region, string account) => regions.Grains(region).GetGrain<IAccountGrain>(account);
}
