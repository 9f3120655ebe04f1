using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;
using Concord.Tests.Replication;

namespace Concord.Tests.Ledger;

/// <summary>
/// Two-phase transfers in three live regions: a hold reserves within the placing region's share, and that region
/// alone captures, voids or expires it, so a resolution takes effect exactly once however many regions ask.
/// </summary>
[Collection(MultiRegionCollection.Name)]
public sealed class TwoPhaseTransferTests(MultiRegionFixture regions)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_capture_and_a_void_sent_at_once_to_two_regions_resolve_the_hold_exactly_once()
    {
        var account = Names.AccountHomedIn("us", "hold-race", MultiRegionFixture.Regions);
        var payee = Names.Account("hold-race-payee");
        await Account("eu", account).DepositAsync(new DepositCommand("d", 50m));
        var hold = await Account("eu", account).HoldAsync(new HoldCommand("h1", payee, 30m, Minute));
        Assert.Equal("eu", hold.EventId.Origin);
        await regions.WaitForConvergenceAsync();

        var capture = Resolve(() => Account("us", account).CaptureAsync(new CaptureCommand("c1", "h1")));
        var voiding = Resolve(() => Account("ap", account).VoidAsync(new VoidCommand("v1", "h1")));
        var outcomes = await Task.WhenAll(capture, voiding);

        // Both went to eu, which placed the hold: one won there, the other was refused naming the winner's outcome.
        Assert.Single(outcomes, o => o is null);
        var refusal = Assert.Single(outcomes, o => o is not null)!;
        var captured = outcomes[0] is null;
        Assert.Equal(captured ? "captured" : "voided", refusal.Outcome);
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 5000);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var log = (await regions.Store(region).ReadAsync(account, 1, 100)).Select(e => e.Event).ToList();
            var resolution = Assert.Single(log, e => e.Payload is HoldCaptured or HoldReleased);
            Assert.Equal("eu", resolution.Origin);
            var balance = await Account(region, account).GetBalanceAsync();
            Assert.Equal((captured ? 20.00m : 50.00m, 0.00m), (balance.Balance, balance.Held));
            Assert.Empty(balance.Holds);
            Assert.Equal(captured ? 30.00m : 0.00m, (await Account(region, payee).GetBalanceAsync()).Balance);
            Assert.Equal(region == "eu" ? (captured ? 20.00m : 50.00m) : 0.00m, balance.Share);
        }
    }

    [Fact]
    public async Task A_partial_capture_posts_its_part_and_returns_the_rest_to_the_owners_share()
    {
        var account = Names.AccountHomedIn("ap", "hold-part", MultiRegionFixture.Regions);
        var payee = Names.Account("hold-part-payee");
        await Account("us", account).DepositAsync(new DepositCommand("d", 40m));
        await Account("us", account).HoldAsync(new HoldCommand("h", payee, 25m, Minute));

        var held = await Account("us", account).GetBalanceAsync();
        Assert.Equal((40.00m, 25.00m, 15.00m), (held.Balance, held.Held, held.Share));
        var open = Assert.Single(held.Holds);
        Assert.Equal(("h", 25.00m, payee, "us"), (open.HoldId, open.Amount, open.To, open.Region));

        // The hold's funds are out of reach of any other debit, optimistic or strict.
        await Assert.ThrowsAsync<InsufficientFundsException>(() => Account("us", account).TransferAsync(new TransferCommand("o", payee, 16m)));
        await Account("us", account).CaptureAsync(new CaptureCommand("c", "h", 10m));

        await ConvergenceAssertions.AssertConvergedAsync(regions, [account, payee], 4000);
        foreach (var region in MultiRegionFixture.Regions)
        {
            var balance = await Account(region, account).GetBalanceAsync();
            Assert.Equal((30.00m, 0.00m), (balance.Balance, balance.Held));
            Assert.Equal(10.00m, (await Account(region, payee).GetBalanceAsync()).Balance);
        }

        Assert.Equal(30.00m, (await Account("us", account).GetBalanceAsync()).Share);
        await Assert.ThrowsAsync<HoldResolvedException>(() => Account("eu", account).CaptureAsync(new CaptureCommand("c2", "h", 1m)));
    }

    [Fact]
    public async Task A_hold_expires_at_its_owner_and_a_capture_after_it_is_refused()
    {
        var account = Names.AccountHomedIn("eu", "hold-expiry", MultiRegionFixture.Regions);
        await Account("ap", account).DepositAsync(new DepositCommand("d", 20m));
        await Account("ap", account).HoldAsync(new HoldCommand("h", Names.Account("hold-expiry-payee"), 20m, TimeSpan.FromMilliseconds(300)));

        await Eventually.HoldsAsync(
            async () => (await regions.Store("ap").ReadAsync(account, 1, 100)).Any(e => e.Event.Payload is HoldReleased { Expired: true, HoldId: "h" }),
            "ap releases its hold once it expires");
        var refused = await Assert.ThrowsAsync<HoldResolvedException>(() => Account("ap", account).CaptureAsync(new CaptureCommand("c", "h")));
        Assert.Equal("expired", refused.Outcome);

        var balance = await Account("ap", account).GetBalanceAsync();
        Assert.Equal((20.00m, 0.00m, 20.00m), (balance.Balance, balance.Held, balance.Share));
        await ConvergenceAssertions.AssertConvergedAsync(regions, [account], 2000);
    }

    [Fact]
    public async Task Bad_holds_captures_and_voids_are_refused_with_a_typed_error_and_change_nothing()
    {
        var account = Names.AccountHomedIn("eu", "hold-bad", MultiRegionFixture.Regions);
        var payee = Names.Account("hold-bad-payee");
        await Account("eu", account).DepositAsync(new DepositCommand("d", 10m));
        await Account("eu", account).HoldAsync(new HoldCommand("h", payee, 5m, Minute));
        await Account("eu", account).HoldAsync(new HoldCommand("gone", payee, 1m, Minute));
        await Account("eu", account).VoidAsync(new VoidCommand("v", "gone"));

        var refusals = new (string RequestId, Func<Task> Call, Type Expected, string? Field)[]
        {
            ("b1", () => Account("eu", account).HoldAsync(new HoldCommand("b1", payee, -1m, Minute)), typeof(InvalidRequestException), "amount"),
            ("b2", () => Account("eu", account).HoldAsync(new HoldCommand("b2", payee, 0m, Minute)), typeof(InvalidRequestException), "amount"),
            ("b3", () => Account("eu", account).HoldAsync(new HoldCommand("b3", payee, 1.001m, Minute)), typeof(InvalidRequestException), "amount"),
            ("b4", () => Account("eu", account).HoldAsync(new HoldCommand("b4", payee, 1m, TimeSpan.Zero)), typeof(InvalidRequestException), "expires"),
            ("b5", () => Account("eu", account).HoldAsync(new HoldCommand("b5", payee, 5.01m, Minute)), typeof(InsufficientFundsException), null),
            ("b6", () => Account("eu", account).CaptureAsync(new CaptureCommand("b6", "h", 5.01m)), typeof(InvalidRequestException), "amount"),
            ("b7", () => Account("eu", account).CaptureAsync(new CaptureCommand("b7", "nope")), typeof(InvalidRequestException), "hold"),
            ("b8", () => Account("eu", account).CaptureAsync(new CaptureCommand("b8", "gone")), typeof(HoldResolvedException), null),
            ("b9", () => Account("eu", account).VoidAsync(new VoidCommand("b9", "gone")), typeof(HoldResolvedException), null),
        };
        foreach (var (requestId, call, expected, field) in refusals)
        {
            var error = await Assert.ThrowsAnyAsync<ConcordException>(call);
            Assert.IsType(expected, error);
            if (field is not null)
            {
                Assert.Equal(field, ((InvalidRequestException)error).Field);
            }

            Assert.Empty(await regions.Store("eu").FindByRequestAsync(account, requestId));
        }

        var balance = await Account("eu", account).GetBalanceAsync();
        Assert.Equal((10.00m, 5.00m, 5.00m), (balance.Balance, balance.Held, balance.Share));
        Assert.Equal("h", Assert.Single(balance.Holds).HoldId);
    }

    private static async Task<HoldResolvedException?> Resolve(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (HoldResolvedException ex)
        {
            return ex;
        }
    }

    private IAccountGrain Account(string region, string account) => regions.Grains(region).GetGrain<IAccountGrain>(account);
}
