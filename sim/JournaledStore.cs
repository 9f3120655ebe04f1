using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;

namespace Concord.Simulation;

/// <summary>
/// A region's durable store that remembers the order of its commits, so that a restart can come back from a state
/// that lost the last ones (an asynchronous database failover, or a backup older than the crash).
/// </summary>
internal sealed class JournaledStore : IEventLogStore
{
    private readonly List<(string EntityId, IReadOnlyList<EventEnvelope> Events)> _journal = [];
    private InMemoryEventLogStore _inner = new();

    public int Commits => _journal.Count;

    /// <summary>Forgets the last <paramref name="lost"/> commits: the store is rebuilt from the ones before them. Returns the events forgotten.</summary>
    public async Task<IReadOnlyList<EventEnvelope>> LoseLastAsync(int lost)
    {
        var keep = Math.Max(0, _journal.Count - lost);
        var forgotten = _journal.Skip(keep).SelectMany(c => c.Events).ToList();
        var kept = _journal.Take(keep).ToList();
        _journal.Clear();
        _inner = new InMemoryEventLogStore();
        foreach (var (entityId, events) in kept)
        {
            await AppendAsync(entityId, await _inner.GetHeadAsync(entityId), events);
        }

        return forgotten;
    }

    public async ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        await _inner.AppendAsync(entityId, expectedPosition, events, cancellationToken);
        _journal.Add((entityId, [.. events]));
    }

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(entityId, fromPosition, maxCount, cancellationToken);

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default) =>
        _inner.ReadOriginAsync(entityId, origin, fromSeq, maxCount, cancellationToken);

    public ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default) => _inner.FindAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default) =>
        _inner.FindByRequestAsync(entityId, requestId, cancellationToken);

    public ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default) => _inner.GetHeadAsync(entityId, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default) =>
        _inner.ListEntitiesAsync(after, maxCount, cancellationToken);

    public ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default) => _inner.GetVersionAsync(entityId, cancellationToken);

    public ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default) =>
        _inner.ReadFeedAsync(origin, afterPosition, maxCount, cancellationToken);

    public ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default) => _inner.GetFeedHeadAsync(origin, cancellationToken);

    public ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default) => _inner.GetHeadsAsync(entityId, cancellationToken);

    public ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default) => _inner.GetDigestAsync(cancellationToken);

    public ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default) => _inner.ListBucketAsync(bucket, cancellationToken);
}
