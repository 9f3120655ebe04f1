namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// A hybrid logical clock reading: wall-clock milliseconds, a counter for events within the same
/// millisecond, and the origin region that breaks any remaining tie. The order is total and the same
/// in every region; correctness never depends on the wall clocks agreeing.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.hlc")]
public sealed record HlcTimestamp(
    [property: Id(0)] long PhysicalMs,
    [property: Id(1)] int Counter,
    [property: Id(2)] string Origin) : IComparable<HlcTimestamp>
{
    public int CompareTo(HlcTimestamp? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byTime = PhysicalMs.CompareTo(other.PhysicalMs);
        if (byTime != 0)
        {
            return byTime;
        }

        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : string.CompareOrdinal(Origin, other.Origin);
    }

    public static bool operator <(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) < 0;

    public static bool operator >(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) > 0;

    public static bool operator <=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) <= 0;

    public static bool operator >=(HlcTimestamp left, HlcTimestamp right) => left.CompareTo(right) >= 0;

    public DateTimeOffset WallClock => DateTimeOffset.FromUnixTimeMilliseconds(PhysicalMs);

    public override string ToString() => $"{PhysicalMs}.{Counter}@{Origin}";
}
