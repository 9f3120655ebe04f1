using System.Collections.Concurrent;

namespace Concord.Grains.Replication;

/// <summary>
/// This silo's links to its peers, created once each, always behind the fault-injection layer. With the deployment's
/// replication secret, the batches that layer duplicates or delivers late are authenticated afresh, so that they reach
/// the peer's apply path instead of being refused as replays.
/// </summary>
public sealed class RegionLinks(IRegionLinkFactory factory, LinkFaults faults, string? replicationSecret = null)
{
    private readonly ConcurrentDictionary<string, IRegionLink> _links = new(StringComparer.Ordinal);

    public LinkFaults Faults => faults;

    public IRegionLink Get(string peer) => _links.GetOrAdd(peer, p => new FaultyRegionLink(factory.Create(p), faults, replicationSecret));
}
