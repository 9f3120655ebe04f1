using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.TestKit;

namespace Concord.Tests.Entities;

/// <summary>
/// A team's own entity type on the escrow building block, through the test kit as a user would: a pantry whose
/// units never go below zero, taken strictly in every region of a full partition within each region's share.
/// </summary>
public sealed class EscrowedEntityTypeTests : IAsyncLifetime
{
    private static readonly string[] Regions = ["ap", "eu", "us"];
    private ConcordTestRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions
    {
        Regions = Regions,
        ServiceId = "pantry-test",
        ConfigureSilo = (_, silo) => silo.AddReplicatedEntity<PantryGrain, PantryState>(new PantryType()),
    });

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task Strict_takes_in_every_region_of_a_partition_stay_within_each_share_and_converge_above_zero()
    {
        foreach (var region in Regions)
        {
            await Pantry(region).RestockAsync($"r-{region}", 5);
        }

        await _regions.WaitForConvergenceAsync();
        _regions.IsolateAll();
        var accepted = new Dictionary<string, int>();
        try
        {
            foreach (var region in Regions)
            {
                accepted[region] = 0;
                for (var i = 0; i < 3; i++)
                {
                    try
                    {
                        await Pantry(region).TakeAsync($"t-{region}-{i}", 2);
                        accepted[region]++;
                    }
                    catch (Exception ex) when (ex is CommandRejectedException or CoordinationUnavailableException)
                    {
                        // Beyond the share: refused at home by the type's rule, elsewhere because home is cut off.
                    }
                }
            }
        }
        finally
        {
            _regions.HealAll();
        }

        Assert.All(Regions, r => Assert.Equal(2, accepted[r]));
        await _regions.WaitForConvergenceAsync();
        foreach (var region in Regions)
        {
            var (units, share) = await Pantry(region).GetAsync();
            Assert.Equal((3L, 1L), (units, share));
        }

        await _regions.AssertCleanAuditAsync();
    }

    private IPantryGrain Pantry(string region) => _regions.Grains(region).GetGrain<IPantryGrain>("larder");
}

[GenerateSerializer, Immutable, Alias("tests.pantry.restock")]
public sealed record Restock([property: Id(0)] int Count);

[GenerateSerializer, Immutable, Alias("tests.pantry.take")]
public sealed record Take([property: Id(0)] int Count);

public sealed record Restocked(int Count);

public sealed record Taken(int Count);

public sealed record PantryState(BoundedCounter Units);

/// <summary>A page of code: restocking is optimistic, taking is strict and escrowed.</summary>
public sealed class PantryType : ReplicatedEntityType<PantryState>, IEscrowedEntityType<PantryState>
{
    public override string Name => "pantry";

    public override PantryState Initial { get; } = new(BoundedCounter.Empty);

    public BoundedCounter EscrowOf(PantryState state) => state.Units;

    public long EscrowSpendOf(object command) => command is Take take ? take.Count : 0;

    public override void RegisterPayloads(PayloadTypes payloads) =>
        payloads.Add<Restocked>("pantry.restocked").Add<Taken>("pantry.taken").AddEscrowHandOver();

    public override PantryState Apply(PantryState state, object payload, EventContext context) => payload switch
    {
        Restocked r => state with { Units = state.Units.Increment(context.Dot, r.Count) },
        Taken t => state with { Units = state.Units.Decrement(context.Dot, t.Count) },
        EscrowShareGiven g => state with { Units = state.Units.Transfer(context.Dot, g.To, g.Amount) },
        _ => state,
    };

    public override ConsistencyMode ModeOf(object command) => command is Take ? ConsistencyMode.Strict : ConsistencyMode.Optimistic;

    public override object? Decide(PantryState state, object command, CommandContext context) => command switch
    {
        Restock r => new Restocked(r.Count),
        Take t when state.Units.CanSpend(context.Region, t.Count) => new Taken(t.Count),
        Take => throw new CommandRejectedException(context.EntityId, $"region {context.Region} holds {state.Units.RightsOf(context.Region)} of the units"),
        _ => null,
    };
}

[Alias("tests.IPantryGrain")]
public interface IPantryGrain : IGrainWithStringKey
{
    [Alias("restock")]
    Task RestockAsync(string requestId, int count);

    [Alias("take")]
    Task TakeAsync(string requestId, int count);

    [Alias("get")]
    [RequiresRole(ClientRole.Reader)]
    Task<(long Units, long ShareHere)> GetAsync();
}

public sealed class PantryGrain : ReplicatedEntityGrain<PantryState>, IPantryGrain
{
    public Task RestockAsync(string requestId, int count) => ExecuteAsync(requestId, new Restock(count));

    public Task TakeAsync(string requestId, int count) => ExecuteAsync(requestId, new Take(count));

    public Task<(long Units, long ShareHere)> GetAsync() => Task.FromResult((State.Units.Value, State.Units.RightsOf(Region)));
}
