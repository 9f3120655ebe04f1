namespace Concord.Grains.Replication;

/// <summary>
/// Counts appends of this region's own events in this silo, so that replicators read the feed only when it may
/// have grown. Appends made by the region's other silos are not counted here: replicators still read the feed on a
/// slow period (<c>IdleFeedCheckInterval</c>) to see them.
/// </summary>
internal sealed class LocalFeedSignal
{
    private long _version;

    /// <summary>Changes after every append of local events; compare two readings to know whether any happened between.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Notify() => Interlocked.Increment(ref _version);
}
