using System.Diagnostics;

namespace Concord.Bench.Harness;

/// <summary>What every scenario shares: the mode (quick or full), the seed, durations, and progress output.</summary>
public sealed class BenchContext(bool quick, int seed, TextWriter output, string? postgres = null)
{
    /// <summary>The PostgreSQL server regions run on, or null for the embedded memory storage.</summary>
    public string? Postgres => postgres;

    public string StorageKind => postgres is null ? "memory" : "postgres";

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public bool Quick => quick;

    public int Seed => seed;

    /// <summary>Client concurrency of every closed-loop measurement, the baseline included (10 in a smoke pass, so that cold first calls clear fast).</summary>
    public int Callers => quick ? 10 : 50;

    /// <summary>Warm-up before each measured phase.</summary>
    public TimeSpan WarmUp => quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(1);

    /// <summary>Length of each measured phase.</summary>
    public TimeSpan Measure => quick ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(3);

    /// <summary>Picks between the smoke-pass value and the full value.</summary>
    public T Pick<T>(T quickValue, T fullValue) => quick ? quickValue : fullValue;

    /// <summary>A random source for one purpose, derived from the run's seed so that every choice is repeatable.</summary>
    public Random RandomFor(string purpose)
    {
        return new Random((int)(Concord.Grains.Interfaces.Events.Fnv1a.Hash32(purpose, (uint)seed) & 0x7fffffff));
    }

    public void Progress(string scenario, string message)
    {
        lock (output)
        {
            output.WriteLine($"  [{_clock.Elapsed.TotalSeconds,6:0.0}s] {scenario}: {message}");
            output.Flush();
        }
    }
}
