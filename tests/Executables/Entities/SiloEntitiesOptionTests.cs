using Concord.Silo.Hosting;

namespace Concord.Tests.Entities;

/// <summary><c>--entities</c>: which entity types beyond the ledger and handles a silo hosts.</summary>
public sealed class SiloEntitiesOptionTests
{
    [Fact]
    public void The_local_default_hosts_the_named_entity_types_in_all_three_regions()
    {
        var (regions, _) = SiloCommandLine.Parse(["--entities", "venues"]);
        Assert.Equal(3, regions.Count);
        Assert.All(regions, r => Assert.Equal(["venues"], r.Entities));
    }

    [Fact]
    public void A_single_region_hosts_them_too()
    {
        var (regions, _) = SiloCommandLine.Parse(["--region", "eu", "--entities", "venues"]);
        Assert.Equal(["venues"], Assert.Single(regions).Entities);
    }

    [Fact]
    public void An_unknown_entity_type_is_refused_naming_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => SiloCommandLine.Parse(["--entities", "venues,carts"]));
        Assert.Equal("--entities 'carts' is not an entity type this silo can host (known: venues).", error.Message);
    }

    [Fact]
    public void An_otlp_endpoint_is_exported_to_once_by_the_local_default_and_by_a_single_region()
    {
        // Listeners are process-wide: one exporter in the local default's process carries all three regions' spans.
        var (local, _) = SiloCommandLine.Parse(["--otlp-endpoint", "http://127.0.0.1:4318", "--otlp-protocol", "http/protobuf"]);
        Assert.Equal([("eu", "http://127.0.0.1:4318/", "http/protobuf"), ("us", null, "grpc"), ("ap", null, "grpc")], local.Select(r => (r.Region, r.OtlpEndpoint?.ToString(), r.OtlpProtocol)));

        var (single, _) = SiloCommandLine.Parse(["--region", "us", "--otlp-endpoint", "https://collector.example:4317"]);
        Assert.Equal(("https://collector.example:4317/", "grpc"), (Assert.Single(single).OtlpEndpoint?.ToString(), single[0].OtlpProtocol));
    }
}
