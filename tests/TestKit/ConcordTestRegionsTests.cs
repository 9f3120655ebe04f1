using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Concord.TestKit;

namespace Concord.Tests.TestKit;

/// <summary>The test kit's own promises: bad options refused whole, links cut one pair at a time, and an audit that fails on findings.</summary>
public sealed class ConcordTestRegionsTests
{
    [Fact]
    public void Bad_options_are_refused_naming_every_problem()
    {
        var refused = Assert.Throws<ArgumentException>(() => ConcordTestRegions.Create(new ConcordTestRegionsOptions
        {
            Regions = ["eu", "eu", "no/slash"],
            ServiceId = " ",
            ReplicationSecret = "short",
            WaitTimeout = TimeSpan.Zero,
        }));

        Assert.Contains("region 'eu' is listed twice", refused.Message, StringComparison.Ordinal);
        Assert.Contains("region 'no/slash' is not", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ServiceId is empty", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ReplicationSecret has fewer than 32 characters", refused.Message, StringComparison.Ordinal);
        Assert.Contains("WaitTimeout 00:00:00 is not positive", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ConcordTestRegions.Create(new ConcordTestRegionsOptions { Regions = [] }));
    }

    [Fact]
    public async Task An_isolated_region_is_held_back_a_cut_pair_converges_through_the_third_and_an_audit_finding_fails_the_clean_audit_check()
    {
        await using var regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions { Regions = ["ap", "eu", "us"], ServiceId = "kit-test" });
        regions.Isolate("us");
        await regions.Grains("eu").GetGrain<IAccountGrain>("kit-a").DepositAsync(new DepositCommand("d1", 5m));

        await ConcordTestRegions.WaitUntilAsync(async () => await regions.Store("ap").GetHeadAsync("kit-a") == 1, "ap receives the deposit", TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<TimeoutException>(() => regions.WaitForConvergenceAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(0, await regions.Store("us").GetHeadAsync("kit-a"));

        // Only eu and us cut from each other: ap relays what each holds, so all three still converge.
        regions.HealAll();
        regions.Cut("eu", "us");
        await regions.Grains("eu").GetGrain<IAccountGrain>("kit-a").DepositAsync(new DepositCommand("d2", 5m));
        await regions.WaitForConvergenceAsync();
        Assert.Equal(2, await regions.Store("us").GetHeadAsync("kit-a"));
        regions.HealAll();
        await regions.AssertCleanAuditAsync();

        // One deposit's amount changed in us's store after it was hashed: us's audit must name it.
        var store = (InMemoryEventLogStore)regions.Store("us");
        store.CorruptForTests("kit-a", events => events.Select((e, i) => i == 0 && e.Payload is Deposited d ? e with { Payload = new Deposited(d.Amount + 1) } : e));
        var failed = await Assert.ThrowsAsync<AuditFailedException>(() => regions.AssertCleanAuditAsync());
        Assert.Contains(failed.Findings, f => f.Region == "us" && f.EntityId == "kit-a" && f.Position == 1);
        Assert.DoesNotContain(failed.Findings, f => f.Region != "us");
        Assert.Contains("us kit-a", failed.Message, StringComparison.Ordinal);

        // The corrupted log no longer sums into us's totals, which the audit reports too.
        await regions.AssertCleanAuditAsync(expected: f => f.Region == "us" && f.EntityId is "kit-a" or "(region totals)");
    }
}
