using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Entities;

/// <summary>
/// A registered entity's fold at one log position, kept in grain storage so activation reads only the log's tail:
/// the chain heads, the request ids with their winners, and the state as canonical JSON. An optimisation only:
/// one that claims a position beyond the log, or whose state does not read back to the same JSON, is ignored.
/// </summary>
[GenerateSerializer, Alias("concord.entities.snapshot")]
public sealed class EntitySnapshot
{
    [Id(0)]
    public long Position { get; set; }

    [Id(1)]
    public ImmutableArray<OriginHead> Heads { get; set; } = [];

    [Id(2)]
    public ImmutableArray<RequestWinner> Requests { get; set; } = [];

    [Id(3)]
    public string State { get; set; } = string.Empty;
}

/// <summary>The event a request id took effect through, at its position in this region's log.</summary>
[GenerateSerializer, Immutable, Alias("concord.entities.request-winner")]
public sealed record RequestWinner(
    [property: Id(0)] string RequestId,
    [property: Id(1)] EventId Event,
    [property: Id(2)] HlcTimestamp Hlc,
    [property: Id(3)] long Position);
