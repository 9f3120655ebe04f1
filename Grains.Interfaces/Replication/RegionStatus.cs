using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Replication;

/// <summary>One region's view of itself and its links. Lags are what this region has not yet had acknowledged by each peer.</summary>
/// <param name="Recovery">Null, or where the region stands in taking back a lost tail from its peers (it takes no writes of its own until then).</param>
[GenerateSerializer, Immutable, Alias("concord.replication.region-status")]
public sealed record RegionStatus(
    [property: Id(0)] string Region,
    [property: Id(1)] ImmutableArray<string> Regions,
    [property: Id(2)] string Digest,
    [property: Id(3)] bool FaultInjection,
    [property: Id(4)] ImmutableArray<PeerStatus> Peers,
    [property: Id(5)] string? HandlePrimary = null,
    [property: Id(6)] string? Recovery = null);

/// <param name="Link"><c>up</c>, <c>down</c> (last call failed), <c>idle</c> (nothing sent yet) or <c>cut</c> (injected).</param>
/// <param name="LagEvents">This region's own events the peer has not acknowledged.</param>
/// <param name="LagMs">Age of the oldest of those events; 0 when there are none.</param>
/// <param name="InSync">The last anti-entropy round found the peer's digest equal to this region's; null before the first round.</param>
[GenerateSerializer, Immutable, Alias("concord.replication.peer-status")]
public sealed record PeerStatus(
    [property: Id(0)] string Peer,
    [property: Id(1)] string Link,
    [property: Id(2)] long LagEvents,
    [property: Id(3)] long LagMs,
    [property: Id(4)] long Shipped,
    [property: Id(5)] long Batches,
    [property: Id(6)] DateTimeOffset? LastAck,
    [property: Id(7)] string? LastError,
    [property: Id(8)] string Fault,
    [property: Id(9)] bool? InSync,
    [property: Id(10)] long Repaired,
    [property: Id(11)] DateTimeOffset? LastReceived);
