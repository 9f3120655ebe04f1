using System.Collections.Concurrent;

namespace Concord.Grains.Replication;

/// <summary>
/// Counts appends of this region's own events in this silo, so that replicators read the feed only when it may
/// have grown, and wakes the replicators waiting on a drained feed at the first append after it. Appends made by the
/// region's other silos are not seen here: replicators still read the feed on a slow period
/// (<c>IdleFeedCheckInterval</c>) to see them.
/// </summary>
internal sealed class LocalFeedSignal
{
    private readonly ConcurrentDictionary<object, Action> _waiting = new();
    private long _version;

    /// <summary>Changes after every append of local events; compare two readings to know whether any happened between.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Notify()
    {
        Interlocked.Increment(ref _version);
        if (_waiting.IsEmpty)
        {
            return;
        }

        foreach (var waiter in _waiting.Keys)
        {
            if (_waiting.TryRemove(waiter, out var wake))
            {
                wake();
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="wake"/> once, at the next append (one registration per <paramref name="waiter"/>). An append
    /// between a reading of <see cref="Version"/> and this call is not waited for: compare the version after it.
    /// </summary>
    public void WakeOnNextAppend(object waiter, Action wake) => _waiting[waiter] = wake;

    public void StopWaking(object waiter) => _waiting.TryRemove(waiter, out _);
}
