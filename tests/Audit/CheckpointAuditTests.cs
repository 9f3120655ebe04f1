using System.Security.Cryptography;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Audit;

/// <summary>Signed checkpoints: honest regions agree; a region that signs two histories for one position is named; forged ones are refused.</summary>
[Collection(MultiRegionCollection.Name)]
public sealed class CheckpointAuditTests(MultiRegionFixture regions)
{
    [Fact]
    public async Task Peers_receive_and_keep_each_regions_verified_checkpoints()
    {
        var account = Names.Account("cp");
        await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d", 1m));
        await regions.Grains("eu").GetGrain<ICheckpointGrain>(0).CheckpointNowAsync();

        var held = await regions.Grains("us").GetGrain<IReplicationInboxGrain>(0).GetCheckpointsAsync("eu");

        Assert.NotEmpty(held);
        Assert.All(held, c => Assert.Equal("eu", c.Signer));
    }

    [Fact]
    public async Task A_region_that_signs_two_histories_for_one_position_is_reported()
    {
        // A dishonest eu shows us one history and ap another, for the same feed position.
        var position = 1_000_000L + Random.Shared.Next(1_000_000);
        InjectedFaults.Register("(checkpoints of eu)", AuditFindingKinds.Equivocation, position);
        await regions.Grains("us").GetGrain<IReplicationInboxGrain>(0).ReceiveCheckpointAsync(SignAsEu(position, 1));
        await regions.Grains("ap").GetGrain<IReplicationInboxGrain>(0).ReceiveCheckpointAsync(SignAsEu(position, 2));

        var report = await regions.Grains("us").GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest());

        var finding = Assert.Single(report.Findings, f => f.Kind == AuditFindingKinds.Equivocation && f.Position == position);
        Assert.Equal("(checkpoints of eu)", finding.EntityId);
        Assert.Contains("held by us", finding.Detail);
        Assert.Contains("held by ap", finding.Detail);
    }

    [Fact]
    public async Task A_checkpoint_with_a_forged_signature_is_refused()
    {
        using var impostor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new CheckpointSigner(impostor.ExportPkcs8PrivateKeyPem(), new Dictionary<string, string>()).Sign("eu", 5, default, 0);

        await Assert.ThrowsAsync<ReplicationBatchRejectedException>(() => regions.Grains("us").GetGrain<IReplicationInboxGrain>(0).ReceiveCheckpointAsync(forged));
        Assert.DoesNotContain(await regions.Grains("us").GetGrain<IReplicationInboxGrain>(0).GetCheckpointsAsync("eu"), c => c.Signature.SequenceEqual(forged.Signature));
    }

    private SignedCheckpoint SignAsEu(long position, ulong variant) =>
        new CheckpointSigner(regions.SigningKeys["eu"], new Dictionary<string, string>()).Sign("eu", position, new ChainHash(variant, 0, 0, 0), 0);
}
