using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Replication;

/// <summary>
/// A region's signed statement about its own origin's history: at position <see cref="FeedPosition"/> of its
/// feed, the heads of its chains in every entity hash to <see cref="Root"/>. Peers keep what they receive;
/// a region that signs two different roots for one position has shown two histories, and audits name it.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.signed-checkpoint")]
public sealed record SignedCheckpoint(
    [property: Id(0)] string Signer,
    [property: Id(1)] long FeedPosition,
    [property: Id(2)] Events.ChainHash Root,
    [property: Id(3)] long SignedAtMs,
    [property: Id(4)] ImmutableArray<byte> Signature);
