using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Recovery;
using Concord.TestKit;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

/// <summary>
/// A region recovering its tail (the silo side of docs/reliability.md): no write of its own while a peer it must ask
/// is cut off, everything else goes on, and what it owed while refused (an apology at home) is appended once it is done.
/// </summary>
public sealed class RegionRecoveryTests : IAsyncLifetime
{
    private static readonly string[] Regions = ["ap", "eu", "us"];
    private ConcordTestRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions { Regions = Regions, ServiceId = "recovery-test" });

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task A_recovering_home_refuses_its_own_writes_until_every_peer_answered_then_apologises_once()
    {
        var account = Enumerable.Range(0, 100).Select(i => $"rec-{i}").First(a => HomeRegions.OfAccount(a, Regions) == "eu");
        var other = Enumerable.Range(0, 100).Select(i => $"rec-other-{i}").First(a => HomeRegions.OfAccount(a, Regions) == "ap");
        await _regions.Grains("ap").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("seed", 10m));
        await _regions.WaitForConvergenceAsync();

        // us cannot answer eu: eu's recovery waits for it.
        _regions.SetFault("eu", "us", new LinkFault(Cut: true));
        await _regions.Grains("eu").GetGrain<IRegionRecoveryGrain>(0).BeginAsync();
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => _regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("while-recovering", 1m)));
        Assert.Contains("taking them back from its peers", refused.Message, StringComparison.Ordinal);

        // Not even a refusal is decided from a state that may lack events: a payout beyond the balance is not answered
        // InsufficientFunds (its first attempt might have been decided before the loss) but retryable, like any write.
        await Assert.ThrowsAsync<StorageUnavailableException>(
            () => _regions.Grains("eu").GetGrain<IAccountGrain>(account).PayoutAsync(new PayoutCommand("too-much-while-recovering", 100m)));
        Assert.Contains("waiting for [us]", (await _regions.Grains("eu").GetGrain<IRegionAdminGrain>(0).GetStatusAsync()).Recovery, StringComparison.Ordinal);

        // Other regions write on; eu applies what they send. Two optimistic transfers, in regions that cannot see each
        // other, overdraw the account, whose home (eu) owes the apology but may not append it yet.
        _regions.Cut("ap", "us");
        await _regions.Grains("ap").GetGrain<IAccountGrain>(account).TransferAsync(new TransferCommand("t-ap", other, 8m));
        await _regions.Grains("us").GetGrain<IAccountGrain>(account).TransferAsync(new TransferCommand("t-us", other, 8m));
        await Eventually.HoldsAsync(
            async () => (await _regions.Grains("eu").GetGrain<IAccountGrain>(account).GetBalanceAsync()).Balance == -6m,
            "eu applied both transfers");
        Assert.DoesNotContain(await _regions.Store("eu").ReadAsync(account, 1, 100), e => e.Event.Payload is OverdraftApology);
        Assert.Empty(await _regions.Store("eu").FindByRequestAsync(account, "while-recovering"));

        _regions.HealAll();
        await Eventually.HoldsAsync(
            async () => (await _regions.Grains("eu").GetGrain<IRegionAdminGrain>(0).GetStatusAsync()).Recovery is null,
            "eu recovered once us answered",
            TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(
            async () => (await _regions.Store("eu").ReadAsync(account, 1, 100)).Any(e => e.Event.Payload is OverdraftApology),
            "the home appended the apology it owed once writes were taken again",
            TimeSpan.FromSeconds(30));
        await _regions.WaitForConvergenceAsync();
        foreach (var region in Regions)
        {
            var log = await _regions.Store(region).ReadAsync(account, 1, 100);
            var apology = Assert.Single(log, e => e.Event.Payload is OverdraftApology);
            Assert.Equal("eu", apology.Event.Origin);
        }

        // And eu takes writes of its own again.
        var receipt = await _regions.Grains("eu").GetGrain<IAccountGrain>(other).DepositAsync(new DepositCommand("after-recovery", 1m));
        Assert.Equal("eu", receipt.EventId.Origin);
    }
}
