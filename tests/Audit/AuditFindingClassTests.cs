using Concord.Grains.Derived;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Audit;

/// <summary>
/// Auditor finding classes that no log corruption provokes alone, each provoked by corrupting exactly the thing it
/// guards, in a region of its own, and required to be the one finding: the region totals view, and a request id that
/// took effect twice at one origin (I4).
/// </summary>
public sealed class AuditFindingClassTests(RegionClusterFixture region) : IClassFixture<RegionClusterFixture>
{
    [Fact]
    public async Task A_totals_view_that_disagrees_with_the_logs_is_a_totals_mismatch_and_nothing_else()
    {
        var account = Names.Account("totals");
        await DepositsAsync(account, 3);
        var before = await QuiescentAuditAsync();
        Assert.Empty(before.Findings);

        // What a summary with a bug could report: an account that has no log at all, holding 12.34.
        var ghost = Names.Account("ghost");
        var shard = region.Grains.GetGrain<IRegionTotalsShardGrain>(RegionTotalsShards.ShardOf(ghost));
        await shard.ReportAsync(ghost, new AccountContribution(1, new RegionTotals(1, 12.34m, 12.34m, 0, 0, 0)));
        try
        {
            var report = await QuiescentAuditAsync();
            var finding = Assert.Single(report.Findings);
            Assert.Equal(AuditFindingKinds.TotalsMismatch, finding.Kind);
            Assert.Equal("(region totals)", finding.EntityId);
            Assert.Equal(RegionClusterFixture.Region, finding.Region);
            Assert.StartsWith("the totals view says 2 accounts, balances 18.34,", finding.Detail, StringComparison.Ordinal);
            Assert.Contains("the logs sum to 1 accounts, balances 6", finding.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await shard.ReportAsync(ghost, new AccountContribution(2, RegionTotals.Zero, Replace: true));
        }

        Assert.Empty((await QuiescentAuditAsync()).Findings);
    }

    [Fact]
    public async Task A_request_id_that_took_effect_twice_at_one_origin_is_an_i4_finding_at_its_second_position()
    {
        var account = Names.Account("twice");
        await DepositsAsync(account, 3);
        Assert.Empty((await QuiescentAuditAsync()).Findings.Where(f => f.EntityId == account));

        // A second event of this region's origin under the first deposit's request id, sealed onto the chain so that
        // nothing but the double decision is wrong.
        var store = (InMemoryEventLogStore)region.Store;
        IReadOnlyList<EventEnvelope> original = [];
        store.CorruptForTests(account, events =>
        {
            original = events;
            var last = events[^1];
            var again = EventCodec.Seal(
                new EventId(account, last.Origin, last.Seq + 1),
                events[0].RequestId,
                new HlcTimestamp(last.Hlc.PhysicalMs + 1, 0, last.Origin),
                last.Deps.With(last.Origin, last.Seq),
                new Deposited(100),
                last.Hash);
            return [.. events, again];
        });

        try
        {
            var report = await QuiescentAuditAsync();
            var finding = Assert.Single(report.Findings);
            Assert.Equal(AuditFindingKinds.InvariantViolated, finding.Kind);
            Assert.Equal(account, finding.EntityId);
            Assert.Equal(4, finding.Position);
            Assert.Equal($"I4: request '{account}-d0' took effect twice at origin {RegionClusterFixture.Region}", finding.Detail);
        }
        finally
        {
            store.CorruptForTests(account, _ => original);
        }
    }

    private async Task DepositsAsync(string account, int count)
    {
        var grain = region.Grains.GetGrain<IAccountGrain>(account);
        for (var i = 0; i < count; i++)
        {
            await grain.DepositAsync(new DepositCommand($"{account}-d{i}", 1m + i));
        }
    }

    private Task<AuditReport> QuiescentAuditAsync() => QuiescentAudit.RunAsync(region.Grains);
}
