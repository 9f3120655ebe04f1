using System.Collections.Concurrent;

namespace Concord.Grains.Replication;

/// <summary>This silo's links to its peers, created once each, always behind the fault-injection layer.</summary>
public sealed class RegionLinks(IRegionLinkFactory factory, LinkFaults faults)
{
    private readonly ConcurrentDictionary<string, IRegionLink> _links = new(StringComparer.Ordinal);

    public LinkFaults Faults => faults;

    public IRegionLink Get(string peer) => _links.GetOrAdd(peer, p => new FaultyRegionLink(factory.Create(p), faults));
}
