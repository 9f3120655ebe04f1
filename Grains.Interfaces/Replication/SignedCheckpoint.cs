using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Replication;

/// <summary>
/// A region's signed statement about its own origin's history: at position <see cref="FeedPosition"/> of its
/// feed, the heads of its chains in every entity hash to <see cref="Root"/>. Peers keep what they receive;
/// a region that signs two different roots for one position has shown two histories, and audits name it.
/// </summary>
/// <param name="Heads">The heads the root is computed over, so that a receiver can check a relayed event against them.</param>
[GenerateSerializer, Immutable, Alias("concord.replication.signed-checkpoint")]
public sealed record SignedCheckpoint(
    [property: Id(0)] string Signer,
    [property: Id(1)] long FeedPosition,
    [property: Id(2)] Events.ChainHash Root,
    [property: Id(3)] long SignedAtMs,
    [property: Id(4)] ImmutableArray<byte> Signature,
    [property: Id(5)] ImmutableArray<EntityHead> Heads = default);

/// <summary>The head of the signer's chain in one entity.</summary>
[GenerateSerializer, Immutable, Alias("concord.replication.entity-head")]
public sealed record EntityHead(
    [property: Id(0)] string EntityId,
    [property: Id(1)] long Seq,
    [property: Id(2)] Events.ChainHash Hash);
