using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Storage;

/// <summary>
/// The embedded default: logs held in this process, lost when it exits. Each entity has its own lock;
/// the region-wide feeds and the digest share one short lock taken inside it, so a feed shows each
/// origin's events in the order they were appended.
/// </summary>
public sealed class InMemoryEventLogStore : IEventLogStore
{
    private readonly ConcurrentDictionary<string, EntityLog> _logs = new(StringComparer.Ordinal);
    private readonly object _regionLock = new();
    private readonly SortedSet<string> _entityIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<FeedEntry>> _feeds = new(StringComparer.Ordinal);
    private readonly ChainHash[] _buckets = new ChainHash[RegionDigest.BucketCount];
    private readonly SortedSet<string>[] _bucketEntities = [.. Enumerable.Range(0, RegionDigest.BucketCount).Select(_ => new SortedSet<string>(StringComparer.Ordinal))];

    public ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (events.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var log = _logs.GetOrAdd(entityId, static _ => new EntityLog());
        lock (log)
        {
            var before = log.Version;
            log.Append(entityId, expectedPosition, events);
            lock (_regionLock)
            {
                _entityIndex.Add(entityId);
                foreach (var e in events)
                {
                    if (!_feeds.TryGetValue(e.Origin, out var feed))
                    {
                        _feeds[e.Origin] = feed = [];
                    }

                    feed.Add(new FeedEntry(feed.Count + 1, e));
                }

                var bucket = RegionDigest.BucketOf(entityId);
                _bucketEntities[bucket].Add(entityId);
                if (before.Entries.Length > 0)
                {
                    _buckets[bucket] ^= RegionDigest.EntityDigest(entityId, before);
                }

                _buckets[bucket] ^= RegionDigest.EntityDigest(entityId, log.Version);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        Read(entityId, log => log.Read(fromPosition, maxCount), [], cancellationToken);

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default) =>
        Read(entityId, log => log.ReadOrigin(origin, fromSeq, maxCount), [], cancellationToken);

    public ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default) =>
        Read(id.EntityId, log => log.Find(id.Origin, id.Seq), null, cancellationToken);

    public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default) =>
        Read(entityId, log => log.FindByRequest(requestId), [], cancellationToken);

    public ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default) =>
        Read(entityId, log => log.Head, 0L, cancellationToken);

    public ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default) =>
        Read(entityId, log => log.Version, VersionVector.Empty, cancellationToken);

    public ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default) =>
        Read(entityId, log => log.Heads(), [], cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_regionLock)
        {
            IEnumerable<string> view = _entityIndex;
            if (after is not null)
            {
                view = _entityIndex.Max is { } max && string.CompareOrdinal(after, max) < 0
                    ? _entityIndex.GetViewBetween(after, max).SkipWhile(e => string.CompareOrdinal(e, after) <= 0)
                    : [];
            }

            return ValueTask.FromResult<IReadOnlyList<string>>(view.Take(maxCount).ToArray());
        }
    }

    public ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_regionLock)
        {
            if (!_feeds.TryGetValue(origin, out var feed) || afterPosition >= feed.Count)
            {
                return ValueTask.FromResult<IReadOnlyList<FeedEntry>>([]);
            }

            var start = (int)Math.Max(afterPosition, 0);
            return ValueTask.FromResult<IReadOnlyList<FeedEntry>>(feed.GetRange(start, Math.Min(maxCount, feed.Count - start)));
        }
    }

    public ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_regionLock)
        {
            return ValueTask.FromResult(_feeds.TryGetValue(origin, out var feed) ? (long)feed.Count : 0L);
        }
    }

    public ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_regionLock)
        {
            return ValueTask.FromResult(new RegionDigest([.. _buckets]));
        }
    }

    public ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, RegionDigest.BucketCount);
        string[] entities;
        lock (_regionLock)
        {
            entities = [.. _bucketEntities[bucket]];
        }

        return ValueTask.FromResult<IReadOnlyList<EntityVersion>>(entities.Select(e => new EntityVersion(e, _logs[e].Version)).ToArray());
    }

    /// <summary>
    /// Rewrites an entity's log without any check, as a disk fault or an intruder would. Only for tests of the
    /// auditor: nothing in Concord calls it.
    /// </summary>
    internal void CorruptForTests(string entityId, Func<IReadOnlyList<EventEnvelope>, IEnumerable<EventEnvelope>> rewrite)
    {
        var log = _logs[entityId];
        lock (log)
        {
            log.Overwrite([.. rewrite(log.Read(1, int.MaxValue).Select(e => e.Event).ToList())]);
        }
    }

    private ValueTask<T> Read<T>(string entityId, Func<EntityLog, T> read, T missing, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_logs.TryGetValue(entityId, out var log))
        {
            return ValueTask.FromResult(missing);
        }

        lock (log)
        {
            return ValueTask.FromResult(read(log));
        }
    }

    /// <summary>One entity's log. Every member is called under a lock on the instance.</summary>
    private sealed class EntityLog
    {
        private readonly List<LoggedEvent> _events = [];
        private readonly Dictionary<string, List<LoggedEvent>> _byOrigin = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<LoggedEvent>> _byRequest = new(StringComparer.Ordinal);

        public long Head => _events.Count;

        public VersionVector Version { get; private set; } = VersionVector.Empty;

        public void Append(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events)
        {
            if (_events.Count != expectedPosition)
            {
                throw new EventLogConflictException(entityId, $"expected head {expectedPosition}, but the head is {_events.Count}.");
            }

            // Validate the whole batch first so that a bad event leaves the log untouched.
            ChainContinuity.Check(entityId, events, origin =>
                _byOrigin.TryGetValue(origin, out var chain) && chain.Count > 0 ? (chain[^1].Event.Seq, chain[^1].Event.Hash) : (0, ChainHash.Genesis));

            foreach (var e in events)
            {
                var logged = new LoggedEvent(_events.Count + 1, e);
                _events.Add(logged);
                Index(_byOrigin, e.Origin, logged);
                Index(_byRequest, e.RequestId, logged);
                Version = Version.With(e.Origin, e.Seq);
            }
        }

        public void Overwrite(IReadOnlyList<EventEnvelope> events)
        {
            _events.Clear();
            _byOrigin.Clear();
            _byRequest.Clear();
            foreach (var e in events)
            {
                var logged = new LoggedEvent(_events.Count + 1, e);
                _events.Add(logged);
                Index(_byOrigin, e.Origin, logged);
                Index(_byRequest, e.RequestId, logged);
            }
        }

        public IReadOnlyList<LoggedEvent> Read(long fromPosition, int maxCount)
        {
            var start = (int)Math.Max(fromPosition - 1, 0);
            return start >= _events.Count ? [] : _events.GetRange(start, Math.Min(maxCount, _events.Count - start));
        }

        public IReadOnlyList<LoggedEvent> ReadOrigin(string origin, long fromSeq, int maxCount)
        {
            if (!_byOrigin.TryGetValue(origin, out var chain))
            {
                return [];
            }

            var start = (int)Math.Max(fromSeq - 1, 0);
            return start >= chain.Count ? [] : chain.GetRange(start, Math.Min(maxCount, chain.Count - start));
        }

        public IReadOnlyList<OriginHead> Heads() =>
            [.. _byOrigin.Where(o => o.Value.Count > 0).OrderBy(o => o.Key, StringComparer.Ordinal)
                .Select(o => new OriginHead(o.Key, o.Value[^1].Event.Seq, o.Value[^1].Event.Hash))];

        public LoggedEvent? Find(string origin, long seq) =>
            _byOrigin.TryGetValue(origin, out var chain) && seq >= 1 && seq <= chain.Count ? chain[(int)seq - 1] : null;

        public IReadOnlyList<LoggedEvent> FindByRequest(string requestId) =>
            _byRequest.TryGetValue(requestId, out var hits) ? hits.ToArray() : [];

        private static void Index(Dictionary<string, List<LoggedEvent>> index, string key, LoggedEvent logged)
        {
            if (!index.TryGetValue(key, out var list))
            {
                index[key] = list = [];
            }

            list.Add(logged);
        }
    }
}
