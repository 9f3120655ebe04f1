namespace Concord.Grains.Interfaces.Events;

/// <summary>An event together with its position in this region's copy of the entity's log (1-based, dense).</summary>
[GenerateSerializer, Immutable, Alias("concord.logged-event")]
public sealed record LoggedEvent(
    [property: Id(0)] long Position,
    [property: Id(1)] EventEnvelope Event);
