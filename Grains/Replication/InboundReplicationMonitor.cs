using System.Collections.Concurrent;

namespace Concord.Grains.Replication;

/// <summary>What this silo has received from each peer, for status.</summary>
public sealed class InboundReplicationMonitor(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, long Events)> _peers = new(StringComparer.Ordinal);

    public void Received(string peer, int events) =>
        _peers.AddOrUpdate(peer, (time.GetUtcNow(), events), (_, previous) => (time.GetUtcNow(), previous.Events + events));

    public (DateTimeOffset At, long Events)? LastFrom(string peer) => _peers.TryGetValue(peer, out var last) ? last : null;

    private readonly ConcurrentDictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private long _rejected;
    private long _copies;

    /// <summary>Events that reached a replica already holding them (duplicates, resends, relays), ignored there, since the silo started.</summary>
    public long CopiesIgnored => Interlocked.Read(ref _copies);

    public void CountCopies(int copies) => Interlocked.Add(ref _copies, copies);

    /// <summary>Batches refused (authentication, replay or a bad event) since the silo started.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public void CountRejected() => Interlocked.Increment(ref _rejected);

    /// <summary>Accepts each (sender instance, sequence) once and in increasing order; false for a replay.</summary>
    public bool TryAdvance(string sender, long sequence)
    {
        while (true)
        {
            var last = _sequences.GetOrAdd(sender, 0);
            if (sequence <= last)
            {
                return false;
            }

            if (_sequences.TryUpdate(sender, sequence, last))
            {
                return true;
            }
        }
    }
}
