using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Durability;

/// <summary>A region on PostgreSQL: snapshots plus log tail on activation, and the auditor reading the database.</summary>
public sealed class PostgresRegionTests(PostgresRegionFixture region) : IClassFixture<PostgresRegionFixture>
{
    private IAuditorGrain Auditor => region.Grains.GetGrain<IAuditorGrain>(0);

    [PostgresFact]
    public async Task An_account_with_a_long_log_reactivates_from_snapshot_and_tail_and_audits_clean()
    {
        var account = Names.Account("long");
        var grain = region.Grains.GetGrain<IAccountGrain>(account);
        for (var i = 0; i < 260; i++)
        {
            await grain.DepositAsync(new DepositCommand($"d{i}", 1m));
        }

        // Snapshots every 50 events (the fixture's interval): reactivation reads the one at 250 and a tail of 10.
        await region.Cluster.DeactivateAsync(grain);
        Assert.Equal(260.00m, (await grain.GetBalanceAsync()).Balance);
        Assert.Equal(260, (await grain.GetBalanceAsync()).Position);

        // The auditor compares the stored snapshot and the live replica with a fold of the log in the database.
        var report = await Auditor.RunAsync(new AuditRequest());
        Assert.Empty(report.Findings.Where(f => f.EntityId == account));
    }

    [PostgresFact]
    public async Task One_flipped_byte_in_the_database_is_found_at_its_position()
    {
        var account = Names.Account("flip");
        var grain = region.Grains.GetGrain<IAccountGrain>(account);
        for (var i = 0; i < 3; i++)
        {
            await grain.DepositAsync(new DepositCommand($"f{i}", 5m));
        }

        // The last byte before the stored hash belongs to the payload (the amount): a bit flip there still decodes.
        await using (var flip = region.Database.CreateCommand(
            "UPDATE concord_events SET body = set_byte(body, length(body) - 33, get_byte(body, length(body) - 33) # 1) WHERE entity_id = $1 AND position = 2"))
        {
            flip.Parameters.Add(new Npgsql.NpgsqlParameter { Value = account });
            Assert.Equal(1, await flip.ExecuteNonQueryAsync());
        }

        var report = await Auditor.RunAsync(new AuditRequest());

        var finding = Assert.Single(report.Findings, f => f.EntityId == account && f.Kind == AuditFindingKinds.HashMismatch);
        Assert.Equal(2, finding.Position);
    }
}
