namespace Concord.Grains.Hosting;

/// <summary>How one region's silos run Concord. Validated when the silo starts.</summary>
public sealed class ConcordOptions
{
    /// <summary>This region's id, used as the origin of every event written here. Default <c>eu</c>.</summary>
    public string Region { get; set; } = "eu";

    /// <summary>
    /// Every region of the deployment, in any order; home regions are computed over this list, so every
    /// region must be given the same list. Default: empty, meaning only <see cref="Region"/>.
    /// </summary>
    public List<string> Regions { get; set; } = [];

    /// <summary>Write an account snapshot after this many new events. Default 1000.</summary>
    public int SnapshotInterval { get; set; } = 1000;

    /// <summary>The most events one group commit appends to a log at once. Default 256.</summary>
    public int MaxGroupCommitEvents { get; set; } = 256;

    /// <summary>
    /// After writes, an entity waits this long and then makes sure its derived-state consumers caught
    /// up, repairing anything the stream lost. Default 2 seconds.
    /// </summary>
    public TimeSpan DerivedRepairDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often stream pulling agents poll their queues; the floor of derived-view lag. Default 10 ms.</summary>
    public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The regions home regions are computed over.</summary>
    public IReadOnlyList<string> EffectiveRegions => Regions.Count == 0 ? [Region] : Regions;
}

/// <summary>Names of the grain storage providers Concord needs the host to configure.</summary>
public static class ConcordStorage
{
    /// <summary>Snapshots and derived-state grains.</summary>
    public const string Name = "concord";
}
