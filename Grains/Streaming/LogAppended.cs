using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Streaming;

/// <summary>The stream message sent after a group commit: the events just appended to one entity's log.</summary>
[GenerateSerializer, Immutable, Alias("concord.stream.log-appended")]
public sealed record LogAppended(
    [property: Id(0)] string EntityId,
    [property: Id(1)] ImmutableArray<LoggedEvent> Events);
