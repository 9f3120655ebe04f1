namespace Concord.Simulation;

/// <summary>What one seed does to the deployment: the network's behaviour, and which faults strike when.</summary>
internal sealed record FaultPlan(
    int MinLatencyMs,
    int MaxLatencyMs,
    double Loss,
    double Duplication,
    double Corruption,
    int Partitions,
    int Crashes,
    int ClockJumps,
    int MaxSkewMs,
    int LossyRestarts = 0)
{
    /// <summary>A plan drawn from the seed: from loopback to WAN latency, up to 20% loss and duplication, a few cuts, crashes and clock jumps.</summary>
    public static FaultPlan Draw(Random random, bool lossyRestarts = false)
    {
        var min = random.Next(1, 40);
        return new FaultPlan(
            min,
            min + random.Next(0, 260),
            Loss: random.NextDouble() * 0.2,
            Duplication: random.NextDouble() * 0.2,
            Corruption: random.NextDouble() < 0.5 ? random.NextDouble() * 0.05 : 0,
            Partitions: random.Next(0, 4),
            Crashes: random.Next(0, 3),
            ClockJumps: random.Next(0, 3),
            MaxSkewMs: random.Next(0, 2000),
            // Drawn in every mode, so a seed's other faults are the same with and without --lossy.
            LossyRestarts: random.Next(0, 3) == 0 && lossyRestarts ? 1 : 0);
    }

    /// <summary>The scale mode's plan: WAN latency, 1% loss and duplication, no corruption, one region cut off from all others for 1.5 s.</summary>
    public static FaultPlan Wan { get; } = new(50, 300, Loss: 0.01, Duplication: 0.01, Corruption: 0, Partitions: 0, Crashes: 0, ClockJumps: 0, MaxSkewMs: 200);

    public override string ToString() =>
        $"latency {MinLatencyMs}-{MaxLatencyMs} ms, loss {Loss:P0}, dup {Duplication:P0}, corrupt {Corruption:P1}, {Partitions} cut(s), {Crashes} crash(es), {LossyRestarts} restart(s) without the last commits, {ClockJumps} clock jump(s), skew up to {MaxSkewMs} ms";
}
