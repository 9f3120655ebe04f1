using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities.Crdts;

/// <summary>
/// A last-writer-wins register: of concurrent writes, the one with the greater HLC timestamp wins, and the
/// origin breaks a tie (<see cref="HlcTimestamp"/> orders by both). Immutable; the order of writes does not matter.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.crdt.lww-register")]
public sealed record LwwRegister<T>([property: Id(0)] T? Value, [property: Id(1)] HlcTimestamp? Stamp)
{
    public static LwwRegister<T> Empty { get; } = new(default, null);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasValue => Stamp is not null;

    public LwwRegister<T> Set(T value, HlcTimestamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        return Stamp is null || stamp > Stamp ? new(value, stamp) : this;
    }

    public LwwRegister<T> Merge(LwwRegister<T> other) => other.Stamp is null ? this : Set(other.Value!, other.Stamp);
}
