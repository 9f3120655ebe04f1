namespace Concord.Simulation;

/// <summary>The simulation's virtual time, in milliseconds since the run began; nothing reads the real clock.</summary>
internal sealed class VirtualClock
{
    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long NowMs { get; set; }
}

/// <summary>A region's wall clock: virtual time plus that region's skew, which the fault plan moves (jumps back and forth).</summary>
internal sealed class RegionTimeProvider(VirtualClock clock) : TimeProvider
{
    public long SkewMs { get; set; }

    public override DateTimeOffset GetUtcNow() => VirtualClock.Epoch.AddMilliseconds(clock.NowMs + SkewMs);

    public override long GetTimestamp() => (clock.NowMs + SkewMs) * (TimestampFrequency / 1000);
}

/// <summary>Meters for the core's metrics; nothing listens.</summary>
internal sealed class SimulationMeters : System.Diagnostics.Metrics.IMeterFactory
{
    public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}
