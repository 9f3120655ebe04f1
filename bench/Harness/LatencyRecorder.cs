using System.Diagnostics;
using HdrHistogram;

namespace Concord.Bench.Harness;

/// <summary>A thread-safe latency histogram (HdrHistogram, microsecond resolution, 3 significant digits).</summary>
public sealed class LatencyRecorder
{
    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;
    private readonly LongConcurrentHistogram _histogram = new(1, 1, 600_000_000, 3);
    private long _negative;

    public long Count => _histogram.TotalCount;

    /// <summary>Values below zero (possible where two clocks meet) are counted apart and recorded as zero.</summary>
    public long Negative => Interlocked.Read(ref _negative);

    public void RecordTicks(long stopwatchTicks) => RecordMicros((long)(stopwatchTicks * MicrosPerTick));

    public void RecordMicros(long micros)
    {
        if (micros < 0)
        {
            Interlocked.Increment(ref _negative);
            micros = 0;
        }

        _histogram.RecordValue(Math.Max(1, micros));
    }

    public LatencySummary Summary() => _histogram.TotalCount == 0
        ? new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN)
        : new LatencySummary(
            _histogram.TotalCount,
            _histogram.GetValueAtPercentile(50) / 1000.0,
            _histogram.GetValueAtPercentile(99) / 1000.0,
            _histogram.GetValueAtPercentile(99.9) / 1000.0,
            _histogram.GetMaxValue() / 1000.0);
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public double P99OverP50 => P99Ms / P50Ms;
}
