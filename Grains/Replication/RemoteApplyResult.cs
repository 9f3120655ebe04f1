using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Replication;

/// <summary>What an entity replica did with a call of events from other regions.</summary>
/// <param name="Version">What the replica durably holds after the call.</param>
/// <param name="Buffered">Events still waiting for a gap or a dependency.</param>
/// <param name="Rejected">Events refused: a bad hash or a chain they do not continue.</param>
/// <param name="Copies">Copies of events the replica already held, ignored (at-least-once delivery at work).</param>
[GenerateSerializer, Immutable, Alias("concord.replication.remote-apply-result")]
public sealed record RemoteApplyResult(
    [property: Id(0)] VersionVector Version,
    [property: Id(1)] int Buffered,
    [property: Id(2)] int Rejected,
    [property: Id(3)] int Copies = 0);
