using System.Collections.Concurrent;

namespace Concord.Grains.Replication;

/// <summary>What this silo has received from each peer, for status.</summary>
public sealed class InboundReplicationMonitor(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, long Events)> _peers = new(StringComparer.Ordinal);

    public void Received(string peer, int events) =>
        _peers.AddOrUpdate(peer, (time.GetUtcNow(), events), (_, previous) => (time.GetUtcNow(), previous.Events + events));

    public (DateTimeOffset At, long Events)? LastFrom(string peer) => _peers.TryGetValue(peer, out var last) ? last : null;
}
