using Concord.Samples.Venues;

namespace Orleans.Hosting;

/// <summary>Hosts the venue sample on a Concord silo: the entity type and its activity view.</summary>
public static class VenuesSiloBuilderExtensions
{
    public static ISiloBuilder AddVenues(this ISiloBuilder builder) => builder
        .AddReplicatedEntity<VenueGrain, VenueState>(new VenueType())
        .AddEntityView<VenueActivityGrain, VenueActivity>(new VenueActivityView());
}
