namespace Concord.Grains.Replication;

/// <summary>Signs this region's checkpoints on a timer and sends them to its peers. Use key 0.</summary>
[Alias("concord.ICheckpointGrain")]
public interface ICheckpointGrain : IGrainWithIntegerKey
{
    [Alias("start")]
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Signs a checkpoint now if the feed moved, keeps it, and sends it to every peer it can reach.</summary>
    [Alias("checkpoint-now")]
    Task CheckpointNowAsync(CancellationToken cancellationToken = default);
}
