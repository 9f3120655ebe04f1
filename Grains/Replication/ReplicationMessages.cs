using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;

namespace Concord.Grains.Replication;

/// <summary>
/// What one region ships to a peer: the next slice of its own origin's feed, plus repairs (events of any
/// origin) for entities the peer reported missing or anti-entropy found behind. When the deployment has a
/// replication secret, <see cref="Mac"/> authenticates the batch and (<see cref="Sender"/>,
/// <see cref="Sequence"/>) makes a replay detectable (see <see cref="BatchAuthenticator"/>). <see cref="Traces"/>
/// names the trace of each traced event it carries (docs/observability.md#traces); it is not authenticated and never
/// changes what is applied, only which trace the peer's spans join.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.batch")]
public sealed record ReplicationBatch(
    [property: Id(0)] string From,
    [property: Id(1)] ImmutableArray<FeedEntry> Feed,
    [property: Id(2)] ImmutableArray<EventEnvelope> Repairs,
    [property: Id(3)] string Sender = "",
    [property: Id(4)] long Sequence = 0,
    [property: Id(5)] ChainHash Mac = default,
    [property: Id(6)] ImmutableArray<SignedCheckpoint> Checkpoints = default,
    [property: Id(7)] ImmutableArray<EventTrace> Traces = default);

/// <summary>The W3C <c>traceparent</c> of the replication span that carries <paramref name="Event"/> to the peer.</summary>
[GenerateSerializer, Immutable, Alias("concord.replication.event-trace")]
public sealed record EventTrace(
    [property: Id(0)] EventId Event,
    [property: Id(1)] string TraceParent);

/// <summary>
/// The peer's answer once the batch is applied. <see cref="DurableThrough"/> is the last feed position
/// up to which every event is durably held by the peer; <see cref="Needs"/> lists entities with events
/// buffered for a gap or dependency, with the version the peer holds, so the sender can fill them in.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.ack")]
public sealed record ReplicationAck(
    [property: Id(0)] long DurableThrough,
    [property: Id(1)] ImmutableArray<EntityVersion> Needs,
    [property: Id(2)] int Rejected);
