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

        // Idleness is counted in anti-entropy rounds (300 ms here), which read eu's digest twice each (eu's own
        // comparison, us asking), not in wall-clock sleeps: eight rounds are 2.4 s. In that window a replicator
        // polling every 10 ms reads its feed about 240 times, one with the 1 s idle check twice, and in a region of
        // one silo (these are), whose appends all wake it, not once; the same for the checkpoint signer (every 300 ms
        // here) and the lag gauges. The write's own aftermath (its first checkpoint, the views' repair pass) ends
        // first: one quiet window, then the window that must be quiet too.
        var eu = stores["eu"];
        async Task<(long Feed, long Other)> ReadsOverRoundsAsync(int rounds)
        {
            var (feed, other, digests) = (eu.FeedReads, eu.OtherReads, eu.AntiEntropyReads);
            await ConcordTestRegions.WaitUntilAsync(() => Task.FromResult(eu.AntiEntropyReads - digests >= 2 * rounds), $"{rounds} anti-entropy rounds", TimeSpan.FromSeconds(30));
            return (eu.FeedReads - feed, eu.OtherReads - other);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await ReadsOverRoundsAsync(3) != (0, 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "eu kept reading its store 30 s after the write");
        }

        Assert.Equal((0L, 0L), await ReadsOverRoundsAsync(8));

        // A write in this silo wakes the replicator at once, without waiting for any check.
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("second", 2m));
        var us = regions.Grains("us").GetGrain<IAccountGrain>(account);
        await Eventually.HoldsAsync(async () => (await us.GetBalanceAsync()).Balance == 3.00m, "the second deposit reached us", TimeSpan.FromSeconds(30));
    }
}
