using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Audit;

public sealed class RoutineAuditRegionFixture : RegionClusterFixture
{
    protected override void Configure(ConcordOptions options)
    {
        options.RoutineAuditInterval = TimeSpan.FromMilliseconds(200);
        options.RoutineAuditSample = 1.0;
    }
}

/// <summary>With a routine interval configured, the region audits itself on a timer.</summary>
public sealed class RoutineAuditTests(RoutineAuditRegionFixture region) : IClassFixture<RoutineAuditRegionFixture>
{
    [Fact]
    public async Task The_region_audits_itself_on_a_timer()
    {
        var account = Names.Account("routine");
        await region.Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d", 1m));
        var auditor = region.Grains.GetGrain<IAuditorGrain>(0);

        await Eventually.HoldsAsync(async () => await auditor.GetLatestAsync() is { Entities: > 0 }, "a routine audit ran and covered the account");

        var latest = await auditor.GetLatestAsync();
        Assert.True(latest!.IsClean, string.Join("; ", latest.Findings));
    }
}
