using Concord.Grains.Interfaces.Replication;
using Orleans.Concurrency;

namespace Concord.Grains.Replication;

/// <summary>Ships this region's events to one peer (the grain key) and runs anti-entropy with it.</summary>
[Alias("concord.IOutboundReplicatorGrain")]
public interface IOutboundReplicatorGrain : IGrainWithStringKey
{
    /// <summary>Activates the replicator; its timers keep it running from then on.</summary>
    [Alias("start")]
    Task StartAsync(CancellationToken cancellationToken = default);

    [Alias("status")]
    Task<PeerStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Ships what the feed holds now: its silo's first append after the feed was drained calls it, so an event does not wait for the next linger tick.</summary>
    [Alias("wake"), OneWay]
    Task WakeAsync();

    /// <summary>Runs one anti-entropy round now and ships what it finds.</summary>
    [Alias("anti-entropy")]
    Task RunAntiEntropyAsync(CancellationToken cancellationToken = default);
}

[GenerateSerializer, Alias("concord.replication.cursor")]
public sealed class ReplicationCursor
{
    /// <summary>Every event of this region's feed up to here is durable at the peer.</summary>
    [Id(0)]
    public long Position { get; set; }
}
