using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>The faults currently injected into this region's outbound links, per peer. Tests and the admin command set them.</summary>
public sealed class LinkFaults
{
    private readonly ConcurrentDictionary<string, LinkFault> _faults = new(StringComparer.Ordinal);

    public LinkFault For(string peer) => _faults.TryGetValue(peer, out var fault) ? fault : LinkFault.None;

    public void Set(string peer, LinkFault fault) => _faults[peer] = fault;

    public void Clear() => _faults.Clear();

    private long _repliesLost;

    /// <summary>Calls the peer carried out whose answer was then lost (an ack of a batch, the receipt of a forwarded command).</summary>
    public long RepliesLost => Interlocked.Read(ref _repliesLost);

    internal void CountReplyLost() => Interlocked.Increment(ref _repliesLost);
}
