
namespace Concord.Grains.Constraints;

/// <summary>
/// A region's entry point for strict commands forwarded by other regions: it hands each to the replica here,
/// at the entity's home, where it is decided (one at a time for an entity: I1, I3). One message serves every
/// entity type; the gateway finds the replica from the registered type (batch transfers, keyed by request, go to the coordinator).
/// </summary>
[Alias("concord.IHomeRegionGatewayGrain")]
public interface IHomeRegionGatewayGrain : IGrainWithIntegerKey
{
    /// <summary>Decides a forwarded command; refused if this region is not the home of its entity.</summary>
    [Alias("command")]
    Task<Entities.ForwardedCommandResult> CommandAsync(Entities.ForwardedCommand command, CancellationToken cancellationToken = default);
}
