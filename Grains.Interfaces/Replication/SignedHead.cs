using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Replication;

/// <summary>
/// A region's signed word, given on demand, that its own event <see cref="Seq"/> in <see cref="EntityId"/> hashes to
/// <see cref="Hash"/>. A peer that relays the signer's events for a client's session brings one, so the asking region
/// can accept the relayed chain up to it without waiting for the signer's next checkpoint.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.signed-head")]
public sealed record SignedHead(
    [property: Id(0)] string Signer,
    [property: Id(1)] string EntityId,
    [property: Id(2)] long Seq,
    [property: Id(3)] ChainHash Hash,
    [property: Id(4)] ImmutableArray<byte> Signature);

/// <summary>
/// What a peer holds of one entity that a session needs: its events beyond what the asker holds, of the origins the
/// session is ahead on, and for those of a third origin the origin's signed word on their head.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.session-catch-up")]
public sealed record SessionCatchUp(
    [property: Id(0)] ImmutableArray<EventEnvelope> Events,
    [property: Id(1)] ImmutableArray<SignedHead> Heads);
