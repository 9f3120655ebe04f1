using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Replication;

/// <summary>The side of an entity replica that takes events from other regions.</summary>
[Alias("concord.IReplicaGrain")]
public interface IReplicaGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends the events that can be applied now (causal order, duplicates ignored) and buffers the rest.
    /// Returns once the applied ones are durable.
    /// </summary>
    [Alias("apply-remote")]
    Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default);
}

/// <param name="Version">What the replica durably holds after the call.</param>
/// <param name="Buffered">Events still waiting for a gap or a dependency.</param>
/// <param name="Rejected">Events refused: a bad hash or a chain they do not continue.</param>
[GenerateSerializer, Immutable, Alias("concord.replication.remote-apply-result")]
public sealed record RemoteApplyResult(
    [property: Id(0)] VersionVector Version,
    [property: Id(1)] int Buffered,
    [property: Id(2)] int Rejected);
