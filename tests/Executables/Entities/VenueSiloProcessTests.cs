using Concord.Grains.Interfaces.Entities;
using Concord.Samples.Venues;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Entities;

/// <summary>The venue entity type in a real silo process started as people start it, with <c>--entities venues</c>.</summary>
public sealed class VenueSiloProcessTests
{
    [Fact]
    public async Task A_silo_started_with_entities_venues_hosts_the_type_over_tcp()
    {
        var ports = FreePorts.Take(2);
        await using var silo = SiloProcess.Start("eu", ["--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(), "--entities", "venues"]);
        await silo.WaitReadyAsync();

        await using var client = new Concord.Client.Sdk.ConcordClient(new() { Gateways = [new(System.Net.IPAddress.Loopback, ports[0])], ConnectTimeout = TimeSpan.FromSeconds(30) });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task<T> Venue<T>(Func<IVenueGrain, CancellationToken, Task<T>> call) => client.CallAsync("recital", call, deadline.Token);
        await Venue((venue, ct) => venue.OpenAsync("open", 2, ct));
        await Venue((venue, ct) => venue.HoldAsync("hold-1", "ada", ct));
        await Venue((venue, ct) => venue.BookAsync("book-1", "grace", ct));

        // The entity's typed refusal crosses the process boundary, and the SDK, as itself.
        var full = await Assert.ThrowsAsync<CommandRejectedException>(() => Venue((venue, ct) => venue.HoldAsync("hold-2", "linus", ct)));
        Assert.Equal("venue/recital", full.EntityId);

        var view = await Venue((venue, ct) => venue.GetAsync(ct));
        Assert.Equal((2, "eu", "eu"), (view.Capacity, view.Region, view.Home));
        Assert.Equal(["hold-1"], view.ActiveHolds.ToArray());
        Assert.Equal(["grace"], view.Booked.ToArray());
        Assert.Equal(["ada", "grace"], view.Attendees.ToArray());
        Assert.True((await client.AuditAsync(cancellationToken: deadline.Token)).IsClean);
    }
}
