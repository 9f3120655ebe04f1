using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Events;

/// <summary>
/// The region's hybrid logical clock. Readings are strictly increasing, stay close to the wall clock,
/// and move past every remote reading observed, so that an effect always orders after its causes.
/// </summary>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private long _physicalMs;
    private int _counter;

    public HybridLogicalClock(TimeProvider time, string origin)
    {
        _time = time;
        Origin = origin;
    }

    public string Origin { get; }

    public HlcTimestamp Now()
    {
        lock (_lock)
        {
            var wall = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (wall > _physicalMs)
            {
                _physicalMs = wall;
                _counter = 0;
            }
            else
            {
                _counter = checked(_counter + 1);
            }

            return new HlcTimestamp(_physicalMs, _counter, Origin);
        }
    }

    /// <summary>Advances the clock past a reading received from another region.</summary>
    public void Observe(HlcTimestamp remote)
    {
        lock (_lock)
        {
            if (remote.PhysicalMs > _physicalMs)
            {
                _physicalMs = remote.PhysicalMs;
                _counter = remote.Counter;
            }
            else if (remote.PhysicalMs == _physicalMs && remote.Counter > _counter)
            {
                _counter = remote.Counter;
            }
        }
    }
}
