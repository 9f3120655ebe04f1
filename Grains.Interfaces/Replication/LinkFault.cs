namespace Concord.Grains.Interfaces.Replication;

/// <summary>
/// Faults to inject into one direction of a link between regions (only when the region runs with fault
/// injection enabled). Rates are probabilities per batch; <see cref="Seed"/> makes the choices repeatable.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.link-fault")]
public sealed record LinkFault(
    [property: Id(0)] bool Cut = false,
    [property: Id(1)] TimeSpan Delay = default,
    [property: Id(2)] double DropRate = 0,
    [property: Id(3)] double DuplicateRate = 0,
    [property: Id(4)] double ReorderRate = 0,
    [property: Id(5)] int Seed = 0)
{
    public static LinkFault None { get; } = new();

    public bool IsNone => !Cut && Delay == TimeSpan.Zero && DropRate == 0 && DuplicateRate == 0 && ReorderRate == 0;

    public override string ToString() => IsNone ? "none"
        : Cut ? "cut"
        : $"delay {Delay.TotalMilliseconds:0} ms, drop {DropRate:P0}, duplicate {DuplicateRate:P0}, reorder {ReorderRate:P0}";
}
