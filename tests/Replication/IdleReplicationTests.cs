using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Concord.TestKit;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Concord.Tests.Replication;

/// <summary>A replicator with nothing to ship reads no feed: it waits for an append in its silo (and, in a region of several silos, its idle check).</summary>
public sealed class IdleReplicationTests
{
    [Fact]
    public async Task An_idle_region_of_one_silo_reads_no_feed_and_still_ships_a_new_write_at_once()
    {
        var stores = new Dictionary<string, CountingEventLogStore>(StringComparer.Ordinal);
        await using var regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions
        {
            Regions = ["eu", "us"],
            SignCheckpoints = true,
            ConfigureSilo = (region, silo) =>
            {
                var store = new CountingEventLogStore(new InMemoryEventLogStore());
                lock (stores)
                {
                    stores[region] = store;
                }

                silo.Services.Replace(ServiceDescriptor.Singleton<IEventLogStore>(store));
            },
            ConfigureConcord = (_, options) => options.IdleFeedCheckInterval = TimeSpan.FromSeconds(1),
        });
        var account = Names.Account("idle");
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("first", 1m));
        await regions.WaitForConvergenceAsync();

        // Two seconds of idleness: a replicator polling every 10 ms reads its feed about 200 times; with the idle
        // check every second, twice; a region of one silo (these are), whose appends all wake it, not once.
        // The same for the checkpoint signer (every 300 ms here) and the replicators' lag gauges (every anti-entropy
        // round). The write's own aftermath (its first checkpoint, the views' repair pass) ends first: a quiet second.
        var reads = () => (stores["eu"].FeedReads, stores["eu"].OtherReads);
        await ConcordTestRegions.WaitUntilAsync(
            async () =>
            {
                var before = reads();
                await Task.Delay(TimeSpan.FromSeconds(1));
                return reads() == before;
            },
            "a second without a read after the write",
            TimeSpan.FromSeconds(20));
        var (feedBefore, otherBefore) = reads();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal((0L, 0L), (stores["eu"].FeedReads - feedBefore, stores["eu"].OtherReads - otherBefore));

        // A write in this silo wakes the replicator at once, without waiting for any check.
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("second", 2m));
        var us = regions.Grains("us").GetGrain<IAccountGrain>(account);
        await Eventually.HoldsAsync(async () => (await us.GetBalanceAsync()).Balance == 3.00m, "the second deposit reached us", TimeSpan.FromSeconds(30));
    }
}
