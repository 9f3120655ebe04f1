using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Storage;

/// <summary>
/// The embedded default: logs held in this process, lost when it exits. Each entity has its own lock,
/// so appends to different entities never contend.
/// </summary>
public sealed class InMemoryEventLogStore : IEventLogStore
{
    private readonly ConcurrentDictionary<string, EntityLog> _logs = new(StringComparer.Ordinal);
    private readonly object _entityIndexLock = new();
    private readonly SortedSet<string> _entityIndex = new(StringComparer.Ordinal);

    public ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (events.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var log = _logs.GetOrAdd(entityId, static _ => new EntityLog());
        var wasEmpty = log.Append(entityId, expectedPosition, events);
        if (wasEmpty)
        {
            lock (_entityIndexLock)
            {
                _entityIndex.Add(entityId);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_logs.TryGetValue(entityId, out var log) ? log.Read(fromPosition, maxCount) : Array.Empty<LoggedEvent>());
    }

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_logs.TryGetValue(entityId, out var log) ? log.ReadOrigin(origin, fromSeq, maxCount) : Array.Empty<LoggedEvent>());
    }

    public ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_logs.TryGetValue(id.EntityId, out var log) ? log.Find(id.Origin, id.Seq) : null);
    }

    public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_logs.TryGetValue(entityId, out var log) ? log.FindByRequest(requestId) : Array.Empty<LoggedEvent>());
    }

    public ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_logs.TryGetValue(entityId, out var log) ? log.Head : 0L);
    }

    public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_entityIndexLock)
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

    private sealed class EntityLog
    {
        private readonly List<LoggedEvent> _events = [];
        private readonly Dictionary<string, List<LoggedEvent>> _byOrigin = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<LoggedEvent>> _byRequest = new(StringComparer.Ordinal);

        public long Head
        {
            get
            {
                lock (_events)
                {
                    return _events.Count;
                }
            }
        }

        public bool Append(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events)
        {
            lock (_events)
            {
                if (_events.Count != expectedPosition)
                {
                    throw new EventLogConflictException(entityId, $"expected head {expectedPosition}, but the head is {_events.Count}.");
                }

                // Validate the whole batch first so that a bad event leaves the log untouched.
                var heads = new Dictionary<string, (long Seq, ChainHash Hash)>(StringComparer.Ordinal);
                foreach (var e in events)
                {
                    if (!string.Equals(e.EntityId, entityId, StringComparison.Ordinal))
                    {
                        throw new EventLogConflictException(entityId, $"event {e.Id} belongs to another entity.");
                    }

                    if (!heads.TryGetValue(e.Origin, out var head))
                    {
                        head = _byOrigin.TryGetValue(e.Origin, out var chain) && chain.Count > 0
                            ? (chain[^1].Event.Seq, chain[^1].Event.Hash)
                            : (0, ChainHash.Genesis);
                    }

                    if (e.Seq != head.Seq + 1 || e.PrevHash != head.Hash)
                    {
                        throw new EventLogConflictException(entityId, $"event {e.Id} does not continue origin '{e.Origin}' at seq {head.Seq}.");
                    }

                    heads[e.Origin] = (e.Seq, e.Hash);
                }

                var wasEmpty = _events.Count == 0;
                foreach (var e in events)
                {
                    var logged = new LoggedEvent(_events.Count + 1, e);
                    _events.Add(logged);
                    Index(_byOrigin, e.Origin, logged);
                    Index(_byRequest, e.RequestId, logged);
                }

                return wasEmpty;
            }
        }

        public IReadOnlyList<LoggedEvent> Read(long fromPosition, int maxCount)
        {
            lock (_events)
            {
                var start = (int)Math.Max(fromPosition - 1, 0);
                return start >= _events.Count ? [] : _events.GetRange(start, Math.Min(maxCount, _events.Count - start));
            }
        }

        public IReadOnlyList<LoggedEvent> ReadOrigin(string origin, long fromSeq, int maxCount)
        {
            lock (_events)
            {
                if (!_byOrigin.TryGetValue(origin, out var chain))
                {
                    return [];
                }

                var start = (int)Math.Max(fromSeq - 1, 0);
                return start >= chain.Count ? [] : chain.GetRange(start, Math.Min(maxCount, chain.Count - start));
            }
        }

        public LoggedEvent? Find(string origin, long seq)
        {
            lock (_events)
            {
                return _byOrigin.TryGetValue(origin, out var chain) && seq >= 1 && seq <= chain.Count ? chain[(int)seq - 1] : null;
            }
        }

        public IReadOnlyList<LoggedEvent> FindByRequest(string requestId)
        {
            lock (_events)
            {
                return _byRequest.TryGetValue(requestId, out var hits) ? hits.ToArray() : [];
            }
        }

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
