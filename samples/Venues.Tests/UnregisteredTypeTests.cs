using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

using Concord.TestKit;

namespace Concord.Samples.Venues.Tests;

/// <summary>Events of a type or kind a region does not know are refused whole, and kept by the sender until it does.</summary>
public sealed class UnregisteredTypeTests : IAsyncLifetime
{
    private static readonly string[] Names = ["eu", "us"];
    private readonly ConcordTestRegions _regions = ConcordTestRegions.Create(new() { Regions = Names, ServiceId = "venues" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    /// <summary>A venue name whose home is <paramref name="region"/>, so the test does not depend on the hash.</summary>
    private static string VenueHomedIn(string region) =>
        Enumerable.Range(0, 100).Select(i => $"fair-{i}").First(v => HomeRegions.OfAccount(v, Names) == region);

    [Fact]
    public async Task A_peer_without_the_type_refuses_the_batch_and_receives_everything_once_it_registers_it()
    {
        await _regions.StartRegionAsync("eu", silo => silo.AddVenues());
        await _regions.StartRegionAsync("us", _ => { });
        var name = VenueHomedIn("eu");
        var venue = _regions.Grains("eu").GetGrain<IVenueGrain>(name);
        await venue.OpenAsync("open", 10);
        await venue.HoldAsync("hold-1", "ada");
        await venue.HoldAsync("hold-2", "grace");
        var entity = $"venue/{name}";

        // us refuses every batch that holds a venue event, and applies nothing of it.
        var replicator = _regions.Grains("eu").GetGrain<IOutboundReplicatorGrain>("us");
        await ConcordTestRegions.WaitUntilAsync(
            async () => (await replicator.GetStatusAsync()).LastError?.Contains($"Entity type 'venue' of '{entity}' is not registered", StringComparison.Ordinal) == true,
            "eu's replicator to us reports the refusal, naming the type",
            TimeSpan.FromSeconds(20));
        Assert.Equal(0, await _regions.Store("us").GetHeadAsync(entity));
        Assert.Equal(3, (await replicator.GetStatusAsync()).LagEvents);

        // Registered at last: the refused events are shipped again and nothing is lost.
        await _regions.StopRegionAsync("us");
        await _regions.StartRegionAsync("us", silo => silo.AddVenues());
        await _regions.WaitForConvergenceAsync();
        Assert.Equal(3, await _regions.Store("us").GetHeadAsync(entity));
        var there = await _regions.Grains("us").GetGrain<IVenueGrain>(name).GetAsync();
        Assert.Equal(10, there.Capacity);
        Assert.Equal(["hold-1", "hold-2"], there.ActiveHolds.Order(StringComparer.Ordinal));
        Assert.True((await _regions.AuditAsync("us")).IsClean);
    }

    [Fact]
    public async Task An_event_of_an_unknown_kind_is_refused_from_a_peer_and_from_the_store_naming_the_kind()
    {
        await _regions.StartRegionAsync("eu", silo => silo.AddVenues());
        await _regions.StartRegionAsync("us", silo => silo.AddVenues());
        var name = VenueHomedIn("eu");
        var entity = $"venue/{name}";

        // An event of a kind no venue declares, as a newer version of the code might write it.
        var mystery = EventCodec.Seal(
            new EventId(entity, "eu", 1), "mystery-1", new HlcTimestamp(1_700_000_000_000, 0, "eu"), VersionVector.Empty, new JsonEventPayload("venue.mystery", 1, "{}"), ChainHash.Genesis);
        await _regions.Store("eu").AppendAsync(entity, 0, [mystery]);

        // From the store: the replica refuses to fold its log, naming the kind.
        var fromStore = await Assert.ThrowsAsync<UnknownPayloadKindException>(() => _regions.Grains("eu").GetGrain<IVenueGrain>(name).GetAsync());
        Assert.Equal("venue.mystery", fromStore.Kind);

        // From a peer: us refuses the whole batch and applies nothing.
        var replicator = _regions.Grains("eu").GetGrain<IOutboundReplicatorGrain>("us");
        await ConcordTestRegions.WaitUntilAsync(
            async () => (await replicator.GetStatusAsync()).LastError?.Contains("Payload kind 'venue.mystery'", StringComparison.Ordinal) == true,
            "eu's replicator to us reports the refused kind",
            TimeSpan.FromSeconds(20));
        Assert.Equal(0, await _regions.Store("us").GetHeadAsync(entity));
        Assert.Equal(1, (await replicator.GetStatusAsync()).LagEvents);

        var audit = await _regions.AuditAsync("eu");
        var finding = Assert.Single(audit.Findings);
        Assert.Equal("unknown-type", finding.Kind);
        Assert.Contains("venue.mystery", finding.Detail, StringComparison.Ordinal);
    }
}
