namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>The identity of one event within an entity: its origin region and that origin's sequence number.</summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.dot")]
public readonly record struct Dot([property: Id(0)] string Origin, [property: Id(1)] long Seq) : IComparable<Dot>
{
    public int CompareTo(Dot other)
    {
        var byOrigin = string.CompareOrdinal(Origin, other.Origin);
        return byOrigin != 0 ? byOrigin : Seq.CompareTo(other.Seq);
    }

    public override string ToString() => $"{Origin}#{Seq}";
}
