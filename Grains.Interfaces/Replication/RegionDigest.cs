using System.Collections.Immutable;
using System.Security.Cryptography;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Replication;

/// <summary>
/// A digest of every entity's version vector in one region: entities hash into <see cref="BucketCount"/>
/// buckets, each bucket is the XOR of its entities' digests, and <see cref="Root"/> hashes the buckets.
/// Two regions with equal roots hold the same events for every entity; differing buckets say where to look.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.replication.region-digest")]
public sealed record RegionDigest([property: Id(0)] ImmutableArray<ChainHash> Buckets)
{
    public const int BucketCount = 256;

    public static RegionDigest Empty { get; } = new([.. Enumerable.Repeat(ChainHash.Genesis, BucketCount)]);

    public ChainHash Root
    {
        get
        {
            var bytes = new byte[BucketCount * ChainHash.Length];
            for (var i = 0; i < Buckets.Length; i++)
            {
                Buckets[i].WriteTo(bytes.AsSpan(i * ChainHash.Length));
            }

            return ChainHash.FromBytes(SHA256.HashData(bytes));
        }
    }

    /// <summary>Buckets whose contents differ between the two digests.</summary>
    public IEnumerable<int> DifferingBuckets(RegionDigest other) =>
        Enumerable.Range(0, BucketCount).Where(i => Buckets[i] != other.Buckets[i]);

    /// <summary>The bucket an entity belongs to (FNV-1a over its UTF-16 code units; stable everywhere).</summary>
    public static int BucketOf(string entityId) => (int)(Fnv1a.Hash32(entityId) % BucketCount);

    /// <summary>The digest of one entity at one version: SHA-256 of its id and version vector, canonically encoded.</summary>
    public static ChainHash EntityDigest(string entityId, VersionVector version)
    {
        var writer = new CanonicalWriter(64);
        writer.WriteString(entityId);
        writer.WriteInt32(version.Entries.Length);
        foreach (var entry in version.Entries)
        {
            writer.WriteString(entry.Origin);
            writer.WriteInt64(entry.Seq);
        }

        return ChainHash.FromBytes(SHA256.HashData(writer.WrittenSpan));
    }
}

/// <summary>One entity's version vector in one region.</summary>
[GenerateSerializer, Immutable, Alias("concord.replication.entity-version")]
public sealed record EntityVersion(
    [property: Id(0)] string EntityId,
    [property: Id(1)] VersionVector Version);

/// <summary>The last event of one origin's chain in one entity's log.</summary>
[GenerateSerializer, Immutable, Alias("concord.replication.origin-head")]
public sealed record OriginHead(
    [property: Id(0)] string Origin,
    [property: Id(1)] long Seq,
    [property: Id(2)] ChainHash Hash);

/// <summary>An entity's chain heads in one region, read from its log.</summary>
[GenerateSerializer, Immutable, Alias("concord.replication.entity-heads")]
public sealed record EntityHeads(
    [property: Id(0)] string EntityId,
    [property: Id(1)] ImmutableArray<OriginHead> Heads);
