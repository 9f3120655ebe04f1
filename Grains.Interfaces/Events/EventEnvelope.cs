namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// An immutable event as it is logged, replicated and audited. <see cref="Hash"/> is SHA-256 over the
/// canonical encoding of every other field (see <see cref="Canonical.EventCodec"/>), and
/// <see cref="PrevHash"/> is the hash of the previous event of the same (entity, origin).
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.event")]
public sealed record EventEnvelope(
    [property: Id(0)] EventId Id,
    [property: Id(1)] string RequestId,
    [property: Id(2)] HlcTimestamp Hlc,
    [property: Id(3)] VersionVector Deps,
    [property: Id(4)] EventPayload Payload,
    [property: Id(5)] ChainHash PrevHash,
    [property: Id(6)] ChainHash Hash)
{
    public string EntityId => Id.EntityId;

    public string Origin => Id.Origin;

    public long Seq => Id.Seq;
}
