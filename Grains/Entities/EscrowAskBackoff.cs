using System.Collections.Concurrent;

namespace Concord.Grains.Entities;

/// <summary>
/// Which peers this silo may ask for escrow share now. An ask that fails (the link is cut, the peer is down) makes
/// every entity wait before asking that peer again, doubling up to 32 times <c>EscrowAskInterval</c>; an ask that
/// reaches the peer clears it. So a partition costs a handful of asks per peer, not a stream per entity.
/// </summary>
internal sealed class EscrowAskBackoff(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (long Until, int Failures)> _peers = new(StringComparer.Ordinal);

    public bool MayAsk(string peer) => !_peers.TryGetValue(peer, out var state) || time.GetTimestamp() >= state.Until;

    public void Failed(string peer, TimeSpan interval) =>
        _peers.AddOrUpdate(
            peer,
            _ => (Until(interval, 0), 1),
            (_, state) => (Until(interval, state.Failures), state.Failures + 1));

    public void Reached(string peer) => _peers.TryRemove(peer, out _);

    private long Until(TimeSpan interval, int failures) =>
        time.GetTimestamp() + (long)(interval.TotalSeconds * (1 << Math.Min(failures, 5)) * time.TimestampFrequency);
}
