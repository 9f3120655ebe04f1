namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// Identifies one event: the <paramref name="Seq"/>-th event that region <paramref name="Origin"/>
/// appended to entity <paramref name="EntityId"/>. <c>Seq</c> starts at 1 and is gap-free per (entity, origin).
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.event-id")]
public sealed record EventId(
    [property: Id(0)] string EntityId,
    [property: Id(1)] string Origin,
    [property: Id(2)] long Seq)
{
    public override string ToString() => $"{EntityId}@{Origin}#{Seq}";
}
