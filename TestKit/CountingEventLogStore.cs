using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using EventId = Concord.Grains.Interfaces.Events.EventId;

namespace Concord.TestKit;

/// <summary>
/// A region's event-log store that counts what is asked of it, for tests and measurements of how much a region reads
/// (an idle region should read almost nothing). Wrap the real store with it in a silo's services:
/// <c>silo.Services.Replace(ServiceDescriptor.Singleton&lt;IEventLogStore&gt;(new CountingEventLogStore(store)))</c>.
/// </summary>
public sealed class CountingEventLogStore(IEventLogStore inner) : IEventLogStore
{
    private long _feedReads;
    private long _antiEntropyReads;
    private long _otherReads;
    private long _appends;

    /// <summary>Reads of a feed's events (what replicators tail).</summary>
    public long FeedReads => Interlocked.Read(ref _feedReads);

    /// <summary>Reads of the digest and of its buckets (what anti-entropy compares).</summary>
    public long AntiEntropyReads => Interlocked.Read(ref _antiEntropyReads);

    /// <summary>Every other read: entity logs, heads (feed heads included), versions, lookups, listings.</summary>
    public long OtherReads => Interlocked.Read(ref _otherReads);

    public long Appends => Interlocked.Read(ref _appends);

    public ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _appends);
        return inner.AppendAsync(entityId, expectedPosition, events, cancellationToken);
    }

    public ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default) =>
        Count(ref _feedReads, inner.ReadFeedAsync(origin, afterPosition, maxCount, cancellationToken));

    public ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.GetFeedHeadAsync(origin, cancellationToken));

    public ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default) =>
        Count(ref _antiEntropyReads, inner.GetDigestAsync(cancellationToken));

    public ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default) =>
        Count(ref _antiEntropyReads, inner.ListBucketAsync(bucket, cancellationToken));

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.ReadAsync(entityId, fromPosition, maxCount, cancellationToken));

    // Forwarded, so that a store that hashes its stored bytes still does so when counted.
    public ValueTask<IReadOnlyList<CheckedEvent>> ReadCheckedAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.ReadCheckedAsync(entityId, fromPosition, maxCount, cancellationToken));

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.ReadOriginAsync(entityId, origin, fromSeq, maxCount, cancellationToken));

    public ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.FindAsync(id, cancellationToken));

    public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.FindByRequestAsync(entityId, requestId, cancellationToken));

    public ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.GetHeadAsync(entityId, cancellationToken));

    public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.ListEntitiesAsync(after, maxCount, cancellationToken));

    public ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.GetVersionAsync(entityId, cancellationToken));

    public ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default) =>
        Count(ref _otherReads, inner.GetHeadsAsync(entityId, cancellationToken));

    private static ValueTask<T> Count<T>(ref long counter, ValueTask<T> read)
    {
        Interlocked.Increment(ref counter);
        return read;
    }
}
