using Concord.Samples.Venues;

namespace Orleans.Hosting;

/// <summary>Hosts the venue sample on a Concord silo.</summary>
public static class VenuesSiloBuilderExtensions
{
    public static ISiloBuilder AddVenues(this ISiloBuilder builder) =>
        builder.AddReplicatedEntity<VenueGrain, VenueState>(new VenueType());
}
