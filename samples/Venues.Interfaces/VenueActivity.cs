using Concord.Grains.Interfaces.Events;

namespace Concord.Samples.Venues;

/// <summary>
/// A derived view of one venue: how many of each thing happened, and when last. Every count only grows and the last
/// change is a maximum, so the view merges in any order. Kept by its own grain, fed by the venue's stream.
/// </summary>
[GenerateSerializer, Immutable, Alias("venues.activity")]
public sealed record VenueActivity(
    [property: Id(0)] int Capacity,
    [property: Id(1)] int Bookings,
    [property: Id(2)] int HoldsTaken,
    [property: Id(3)] int HoldsReleased,
    [property: Id(4)] int HoldsBumped,
    [property: Id(5)] HlcTimestamp? LastChange)
{
    public static VenueActivity None { get; } = new(0, 0, 0, 0, 0, null);
}

/// <summary>The activity view of one venue, keyed by the venue's entity id (<c>venue/NAME</c>).</summary>
[Alias("venues.IVenueActivityGrain")]
public interface IVenueActivityGrain : IGrainWithStringKey
{
    [Alias("get")]
    [Concord.Grains.Interfaces.Events.RequiresRole(Concord.Grains.Interfaces.Events.ClientRole.Reader)]
    Task<VenueActivity> GetAsync(CancellationToken cancellationToken = default);
}
