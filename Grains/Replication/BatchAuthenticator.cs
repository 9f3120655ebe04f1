using System.Security.Cryptography;
using System.Text;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Replication;

/// <summary>
/// HMAC-SHA256 over a replication batch with the deployment's replication secret. The MAC covers the sender
/// region, the receiving region, the sender instance and its sequence number, and every event's feed position
/// and hash; each event's hash in turn covers its content, which the receiver recomputes before applying
/// anything. A forged, altered or replayed batch is therefore refused whole.
/// </summary>
public sealed class BatchAuthenticator(string secret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    public ReplicationBatch Sign(ReplicationBatch batch, string to) => batch with { Mac = Compute(batch, to) };

    public bool Verify(ReplicationBatch batch, string to)
    {
        Span<byte> expected = stackalloc byte[ChainHash.Length];
        Span<byte> presented = stackalloc byte[ChainHash.Length];
        Compute(batch, to).WriteTo(expected);
        batch.Mac.WriteTo(presented);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    private ChainHash Compute(ReplicationBatch batch, string to)
    {
        var writer = new CanonicalWriter(128 + (batch.Feed.Length + batch.Repairs.Length) * 40);
        writer.WriteString("concord.replication-batch.v1");
        writer.WriteString(batch.From);
        writer.WriteString(to);
        writer.WriteString(batch.Sender);
        writer.WriteInt64(batch.Sequence);
        writer.WriteInt32(batch.Feed.Length);
        foreach (var entry in batch.Feed)
        {
            writer.WriteInt64(entry.FeedPosition);
            writer.WriteHash(entry.Event.Hash);
        }

        writer.WriteInt32(batch.Repairs.Length);
        foreach (var repair in batch.Repairs)
        {
            writer.WriteHash(repair.Hash);
        }

        return ChainHash.FromBytes(HMACSHA256.HashData(_key, writer.WrittenSpan));
    }
}

/// <summary>A peer's batch failed authentication, replayed an earlier one, or carried an event that does not match its hash. Nothing was applied.</summary>
[GenerateSerializer, Alias("concord.replication.batch-rejected")]
public sealed class ReplicationBatchRejectedException : Exception
{
    public ReplicationBatchRejectedException(string message)
        : base(message)
    {
    }
}
