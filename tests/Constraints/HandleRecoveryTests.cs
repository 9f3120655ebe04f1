using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Handles;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Constraints;

/// <summary>A committed ownership transaction whose log appends were lost (a silo dying between them) is recovered from the record.</summary>
[Collection(RegionCollection.Name)]
public sealed class HandleRecoveryTests(RegionClusterFixture region)
{
    [Fact]
    public async Task A_rename_whose_appends_were_lost_is_recovered_from_the_ownership_records_on_activation()
    {
        var (old, @new) = (Names.Account("lost-old"), Names.Account("lost-new"));
        await Handle(old).ClaimAsync(new ClaimHandleCommand("claim", "alice"));

        // The rename's transaction commits; the call that appends the old handle's release dies, so neither log moves.
        FailingCalls.Fail("IHandleBindingsGrain.AdoptRenameAsync", "mv", times: 1);
        await Assert.ThrowsAnyAsync<Exception>(() => region.Grains.GetGrain<IHandleRenameGrain>(0).RenameAsync(new RenameHandleCommand("mv", old, @new)));
        Assert.Equal("alice", (await Handle(old).WhoisAsync()).Owner);
        Assert.Null((await Handle(@new).WhoisAsync()).Owner);
        Assert.Equal("alice", await region.Grains.GetGrain<IHandleOwnershipGrain>(@new).GetOwnerAsync());

        await region.Cluster.DeactivateAsync(Handle(old));
        await region.Cluster.DeactivateAsync(Handle(@new));

        Assert.Null((await Handle(old).WhoisAsync()).Owner);
        Assert.Equal("alice", (await Handle(@new).WhoisAsync()).Owner);
        var released = Assert.Single(await region.Store.ReadAsync(HandleEntities.EntityIdOf(old), 2, 10));
        Assert.Equal(new Grains.Interfaces.Handles.HandleReleased("alice"), released.Event.Payload);
        Assert.Equal("recover/2", released.Event.RequestId);
        var bound = Assert.Single(await region.Store.ReadAsync(HandleEntities.EntityIdOf(@new), 1, 10));
        Assert.Equal(new HandleBound("alice", "recover/1"), bound.Event.Payload);

        // Activating again finds log and record agreeing, and appends nothing.
        await region.Cluster.DeactivateAsync(Handle(@new));
        Assert.Equal("alice", (await Handle(@new).WhoisAsync()).Owner);
        Assert.Equal(1, await region.Store.GetHeadAsync(HandleEntities.EntityIdOf(@new)));
    }

    private IHandleGrain Handle(string handle) => region.Grains.GetGrain<IHandleGrain>(handle);
}
