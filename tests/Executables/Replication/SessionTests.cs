using System.Diagnostics;
using Concord.Client.Sdk;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Tests.Replication;

/// <summary>
/// Session guarantees through the SDK, over TCP, between three regions whose replication lingers two seconds: a
/// session's own writes are applied before a region answers or decides (taken from any peer that holds them when
/// replication is late), or the region refuses, typed and unchanged.
/// </summary>
public sealed class SessionTests : IAsyncLifetime
{
    private static readonly string[] Regions = ["eu", "us", "ap"];
    private TcpRegions _regions = null!;

    // Replication that lags the client by up to two seconds: the race the sessions must close, every time.
    public async Task InitializeAsync() => _regions = await TcpRegions.StartAsync(
        options => options.FaultInjection = true,
        silo => silo.Services.PostConfigure<ConcordOptions>(options =>
        {
            options.ReplicationLinger = TimeSpan.FromSeconds(2);
            options.AntiEntropyInterval = TimeSpan.FromMinutes(1);

            // No checkpoint within a test: a relayed event is taken on its origin's signed head, or not at all.
            options.CheckpointInterval = TimeSpan.FromMinutes(10);
            options.SessionCatchUpTimeout = TimeSpan.FromSeconds(5);
            options.StrictForwardTimeout = TimeSpan.FromSeconds(8);
        }),
        Regions);

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task A_deposit_in_eu_then_at_once_a_strict_transfer_homed_in_us_succeeds()
    {
        var account = Names.AccountHomedIn("us", "session-example", Regions);
        await using var concord = Client("eu");

        await concord.DepositAsync(account, 100m);
        var transfer = await concord.TransferAsync(account, "bob", 30m, ConsistencyMode.Strict);

        // The deposit is eu's escrow share, so eu decides the strict transfer itself: no call to us, nothing to wait for.
        Assert.Equal("eu", transfer.EventId.Origin);
        var balance = await concord.GetBalanceAsync(account);
        Assert.Equal((70.00m, 70.00m), (balance.Balance, balance.Share));
        Assert.Equal(2, balance.Version["eu"]);
        Assert.Equal(0, balance.Version["us"]);
    }

    [Fact]
    public async Task A_read_in_another_region_right_after_a_write_sees_it()
    {
        var account = Names.Account("session-read");
        await using var writer = Client("eu");
        await writer.DepositAsync(account, 50m);

        await using var reader = Client("us", writer.SessionToken);
        var balance = await reader.GetBalanceAsync(account);

        Assert.Equal(50.00m, balance.Balance);
        Assert.Equal("us", balance.Region);
    }

    [Fact]
    public async Task A_batch_transfer_forwarded_to_the_sources_home_decides_with_the_sessions_deposit()
    {
        var source = Names.AccountHomedIn("us", "session-batch", Regions);
        await using var concord = Client("eu", attempts: 8);
        await concord.DepositAsync(source, 100m);

        // A batch is decided at home (us), which the deposit reaches only after eu's two-second linger: the forwarded
        // batch carries the session, and us applies the deposit before it debits. The deposit is eu's escrow share,
        // which us asks eu for on the first attempt (InsufficientShareException, retried) and debits once eu's gift arrives.
        var batch = await concord.BatchTransferAsync([new(source, "batch-bob", 30m), new(source, "batch-carol", 20m)]);

        Assert.Equal(["us", "us"], batch.Debits.Select(d => d.EventId.Origin));
        var balance = await concord.GetBalanceAsync(source);
        // eu: the deposit and the share it gave; us: the two debits.
        Assert.Equal((50.00m, 2L, 2L), (balance.Balance, balance.Version["eu"], balance.Version["us"]));
    }

    [Fact]
    public async Task A_handle_claimed_through_eu_is_owned_in_a_whois_in_us_at_once()
    {
        var handle = Names.Account("session-handle");
        await using var concord = Client("eu");

        // Decided at the handles' primary (ap), whose two-second linger keeps it from us for now.
        var claim = await concord.ClaimHandleAsync(handle, "ada");
        Assert.Equal([("ap", 1L)], claim.Events.Select(e => (e.Origin, e.Seq)));

        await using var inUs = Client("us", concord.SessionToken);
        var view = await inUs.WhoisAsync(handle);

        Assert.Equal(("us", "ada", 1L), (view.Region, view.Owner, view.Version["ap"]));
    }

    [Fact]
    public async Task A_region_cut_off_from_the_writes_origin_takes_it_from_a_peer_that_holds_it()
    {
        var account = Names.Account("session-relay");
        await using var writer = Client("ap");
        await using var inUs = Client("us", useSession: false);
        await writer.SetLinkFaultAsync("us", new LinkFault(Cut: true));
        await inUs.SetLinkFaultAsync("ap", new LinkFault(Cut: true));
        try
        {
            await writer.DepositAsync(account, 25m);
            await using var inEu = Client("eu", useSession: false);
            await Eventually.HoldsAsync(async () => (await inEu.GetBalanceAsync(account)).Balance == 25m, "eu holds ap's deposit", TimeSpan.FromSeconds(20));

            // Neither ap's replication (cut) nor eu's anti-entropy (a minute away) brings the deposit to us in time, and
            // ap signs no checkpoint: us asks eu, which relays it with ap's signed word on its head.
            await using var reader = Client("us", writer.SessionToken);
            var balance = await reader.GetBalanceAsync(account);

            Assert.Equal(("us", 25.00m, 1L, 1L), (balance.Region, balance.Balance, balance.Version["ap"], balance.Position));
            var relayed = await reader.ReadLogAsync(account);
            var written = await writer.ReadLogAsync(account);
            Assert.Equal(written.Events.Select(l => l.Event.Hash), relayed.Events.Select(l => l.Event.Hash));
        }
        finally
        {
            await writer.SetLinkFaultAsync("us", LinkFault.None);
            await inUs.SetLinkFaultAsync("ap", LinkFault.None);
        }
    }

    [Fact]
    public async Task A_region_cut_off_from_every_region_that_holds_the_write_refuses_within_the_bound_and_changes_nothing()
    {
        var account = Names.Account("session-cut");
        await using var writer = Client("eu");
        await using var inUs = Client("us", useSession: false);
        await writer.SetLinkFaultAsync("us", new LinkFault(Cut: true));
        await writer.SetLinkFaultAsync("ap", new LinkFault(Cut: true));
        await inUs.SetLinkFaultAsync("eu", new LinkFault(Cut: true));
        try
        {
            await writer.DepositAsync(account, 20m);
            await using var reader = Client("us", writer.SessionToken);

            var clock = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAsync<SessionNotCaughtUpException>(() => reader.DepositAsync(account, 1m, requestId: "after-the-cut"));
            clock.Stop();

            Assert.Equal((account, "us", "eu:1-1"), (refused.EntityId, refused.Region, refused.Missing));
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(30));
            var untouched = await inUs.GetBalanceAsync(account);
            Assert.Equal((0m, 0L), (untouched.Balance, untouched.Position));
        }
        finally
        {
            await writer.SetLinkFaultAsync("us", LinkFault.None);
            await writer.SetLinkFaultAsync("ap", LinkFault.None);
            await inUs.SetLinkFaultAsync("eu", LinkFault.None);
        }
    }

    [Fact]
    public async Task Failover_mid_session_never_reads_from_before_the_sessions_own_write()
    {
        var account = Names.Account("session-failover");
        await using var concord = new ConcordClient(new ConcordClientOptions
        {
            Region = "eu",
            Gateways = [_regions.Gateway("eu")],
            FailoverRegions = ["us"],
            FailoverGateways = new() { ["us"] = [_regions.Gateway("us")] },
            ConnectTimeout = TimeSpan.FromSeconds(2),
            CallTimeout = TimeSpan.FromSeconds(20),
        });
        await concord.DepositAsync(account, 40m);

        // eu goes down before its two-second linger ships the deposit: us cannot have it.
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await _regions.Host("eu").StopAsync(stop.Token);
        }

        var refused = await Assert.ThrowsAsync<SessionNotCaughtUpException>(() => concord.GetBalanceAsync(account));
        Assert.Equal(("us", "eu:1-1"), (refused.Region, refused.Missing));
        Assert.Equal("us", concord.CurrentRegion);

        // Without the session, the same read in us answers from before the write: the stale read the session refuses.
        await using var plain = Client("us", useSession: false);
        Assert.Equal(0m, (await plain.GetBalanceAsync(account)).Balance);
    }

    [Fact]
    public async Task Bad_session_tokens_are_refused_with_a_clear_error()
    {
        var malformed = Assert.Throws<ConcordConfigurationException>(() => Client("eu", "not-a-token"));
        Assert.Contains("is not a Concord session token", malformed.Message, StringComparison.Ordinal);

        var elsewhere = Assert.Throws<ConcordConfigurationException>(() => Client("eu", "s1;another-deployment;alice=eu:1"));
        Assert.Contains("from deployment 'another-deployment', not 'concord'", elsewhere.Message, StringComparison.Ordinal);

        var badEntry = Assert.Throws<ConcordConfigurationException>(() => Client("eu", "s1;concord;alice=eu:0"));
        Assert.Contains("'alice=eu:0' is not ENTITY=origin:seq", badEntry.Message, StringComparison.Ordinal);

        // A dependency on events of eu's own chain that eu never wrote: refused as bad input (not as a wait that
        // timed out, which would be SessionNotCaughtUpException), since no wait can bring it.
        var account = Names.Account("session-future");
        await using var future = Client("eu", $"s1;concord;{account}=eu:99");
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => future.GetBalanceAsync(account));
        Assert.Equal("session", refused.Field);
        Assert.Contains($"depends on eu:99 of '{account}', but eu has written 0 events", refused.Message, StringComparison.Ordinal);
    }

    private ConcordClient Client(string region, string? session = null, bool useSession = true, int attempts = 3) => new(new ConcordClientOptions
    {
        MaxAttempts = attempts,
        Region = region,
        Gateways = [_regions.Gateway(region)],
        SessionToken = session,
        UseSession = useSession,
        CallTimeout = TimeSpan.FromSeconds(20),
    });
}
