namespace Concord.Grains.Interfaces.Replication;

/// <summary>Status and fault injection for one region. Use key 0.</summary>
[Alias("concord.IRegionAdminGrain")]
public interface IRegionAdminGrain : IGrainWithIntegerKey
{
    [Alias("status")]
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the faults on this region's outbound link to <paramref name="peer"/>. Refused with
    /// <see cref="Errors.InvalidRequestException"/> unless the region runs with fault injection enabled.
    /// </summary>
    [Alias("set-link-fault")]
    Task SetLinkFaultAsync(string peer, LinkFault fault, CancellationToken cancellationToken = default);
}
