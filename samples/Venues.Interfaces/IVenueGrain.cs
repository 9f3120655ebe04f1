using System.Collections.Immutable;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;

namespace Concord.Samples.Venues;

/// <summary>A venue, keyed by its name. Every command takes a request id chosen by the caller: retries never double-book.</summary>
[Alias("venues.IVenueGrain")]
public interface IVenueGrain : IGrainWithStringKey
{
    [Alias("open")]
    Task<EntityReceipt> OpenAsync(string requestId, int capacity, CancellationToken cancellationToken = default);

    [Alias("book")]
    Task<EntityReceipt> BookAsync(string requestId, string guest, CancellationToken cancellationToken = default);

    [Alias("hold")]
    Task<EntityReceipt> HoldAsync(string requestId, string guest, CancellationToken cancellationToken = default);

    [Alias("release")]
    Task<EntityReceipt> ReleaseAsync(string requestId, string holdId, CancellationToken cancellationToken = default);

    [Alias("get")]
    [Concord.Grains.Interfaces.Events.RequiresRole(Concord.Grains.Interfaces.Events.ClientRole.Reader)]
    Task<VenueView> GetAsync(CancellationToken cancellationToken = default);
}

/// <summary>A venue as this region's replica sees it. <see cref="HeldIn"/> names the region that took each hold.</summary>
[GenerateSerializer, Immutable, Alias("venues.view")]
public sealed record VenueView(
    [property: Id(0)] string Venue,
    [property: Id(1)] int Capacity,
    [property: Id(2)] ImmutableArray<string> Booked,
    [property: Id(3)] ImmutableArray<string> ActiveHolds,
    [property: Id(4)] ImmutableArray<string> BumpedHolds,
    [property: Id(5)] ImmutableArray<string> Attendees,
    [property: Id(6)] string Region,
    [property: Id(7)] string Home,
    [property: Id(8)] VersionVector Version,
    [property: Id(9)] ImmutableSortedDictionary<string, string> HeldIn);
