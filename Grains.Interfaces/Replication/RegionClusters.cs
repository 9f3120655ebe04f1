namespace Concord.Grains.Interfaces.Replication;

/// <summary>How regions map to Orleans clusters: each region is its own cluster, named after it.</summary>
public static class RegionClusters
{
    /// <summary>The Orleans cluster id of a region, the same for its silos, its clients and its peers' links.</summary>
    public static string ClusterIdOf(string region) => $"concord-{region}";
}
