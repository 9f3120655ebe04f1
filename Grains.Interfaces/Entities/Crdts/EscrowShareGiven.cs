using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// The event's origin region hands <see cref="Amount"/> of its escrow rights in the entity's
/// <see cref="BoundedCounter"/> to region <see cref="To"/>. Only the giver appends it, decided against the rights it
/// holds, so no region ever spends rights it was not given. Moves no value: the counter stays what it was. Concord
/// appends it when a peer asks for rights (rebalancing); an escrowed entity type's fold applies it with
/// <see cref="BoundedCounter.Transfer"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.escrow.share-given")]
public sealed record EscrowShareGiven([property: Id(0)] string To, [property: Id(1)] long Amount) : EventPayload
{
    public const string KindName = "concord.escrow.share-given";

    public override string Kind => KindName;

    public override void WriteCanonical(CanonicalWriter writer)
    {
        writer.WriteString(To);
        writer.WriteInt64(Amount);
    }

    public static EscrowShareGiven ReadCanonical(CanonicalReader reader) => new(reader.ReadString(), reader.ReadInt64());
}
