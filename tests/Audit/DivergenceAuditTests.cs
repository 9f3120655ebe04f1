using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Audit;

/// <summary>A region whose copy of a history was rewritten (still a valid chain locally) is caught by comparing chain heads across regions.</summary>
[Collection(MultiRegionCollection.Name)]
public sealed class DivergenceAuditTests(MultiRegionFixture regions)
{
    [Fact]
    public async Task A_divergent_replica_is_named_by_its_peers_audit()
    {
        var account = Names.AccountHomedIn("eu", "fork", MultiRegionFixture.Regions);
        var grain = regions.Grains("eu").GetGrain<IAccountGrain>(account);
        await grain.DepositAsync(new DepositCommand("d1", 10m));
        await grain.DepositAsync(new DepositCommand("d2", 20m));
        await regions.WaitForConvergenceAsync();

        var original = (await regions.Store("us").ReadAsync(account, 1, 10)).Select(e => e.Event).ToList();

        // Rewrite us's copy of eu#2 and re-seal it, so us's own chain still verifies.
        ((InMemoryEventLogStore)regions.Store("us")).CorruptForTests(account, events =>
        [
            events[0],
            EventCodec.Seal(events[1].Id, events[1].RequestId, events[1].Hlc, events[1].Deps, new Deposited(2_000_000), events[1].PrevHash),
        ]);

        var report = await regions.Grains("eu").GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest());

        var finding = Assert.Single(report.Findings, f => f.EntityId == account);
        Assert.Equal(AuditFindingKinds.Divergent, finding.Kind);
        Assert.Equal("eu", finding.Region);
        Assert.Equal(2, finding.Position);
        Assert.Contains("region us", finding.Detail);

        // Repair the test's damage so the collection's other audits stay meaningful: the log, and what us derived from
        // the rewritten copy meanwhile (its account summary and so its region totals).
        ((InMemoryEventLogStore)regions.Store("us")).CorruptForTests(account, _ => original);
        var summary = await regions.Grains("us").GetGrain<IAccountSummaryGrain>(account).RebuildAsync();
        Assert.Equal(30m, summary.Balance);
    }
}
