namespace Concord.Grains.Interfaces.Replication;

/// <summary>Status and fault injection for one region. Use key 0.</summary>
[Alias("concord.IRegionAdminGrain")]
public interface IRegionAdminGrain : IGrainWithIntegerKey
{
    [Alias("status")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the faults on this region's outbound link to <paramref name="peer"/>. Refused with
    /// <see cref="Errors.InvalidRequestException"/> unless the region runs with fault injection enabled.
    /// </summary>
    [Alias("set-link-fault")]
    [Events.RequiresRole(Events.ClientRole.Operator)]
    Task SetLinkFaultAsync(string peer, LinkFault fault, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of any entity's log in this region, as stored: accounts (<c>acc-1</c>), handles (<c>handle/alice</c>)
    /// and entities of registered types (<c>venue/gala</c>) alike, each event with its chain hashes.
    /// </summary>
    [Alias("read-log")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<EntityLogPage> ReadLogAsync(string entityId, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default);
}

/// <param name="Head">The position of the log's last event in this region (0 for none).</param>
[GenerateSerializer, Immutable, Alias("concord.replication.entity-log-page")]
public sealed record EntityLogPage(
    [property: Id(0)] string EntityId,
    [property: Id(1)] System.Collections.Immutable.ImmutableArray<Events.LoggedEvent> Events,
    [property: Id(2)] long Head);
