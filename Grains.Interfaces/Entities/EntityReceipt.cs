using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities;

/// <summary>
/// What a command on a replicated entity did: the events it appended (empty when it decided nothing needed
/// doing; each event id names the region that decided it), the log position of the last one in
/// <see cref="AnsweredBy"/>, the region that answered, and whether the request id had already taken effect
/// (a retry gets the original events back).
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.entities.receipt")]
public sealed record EntityReceipt(
    [property: Id(0)] string EntityId,
    [property: Id(1)] ImmutableArray<EventId> Events,
    [property: Id(2)] long Position,
    [property: Id(3)] bool Replayed,
    [property: Id(4)] string AnsweredBy);
