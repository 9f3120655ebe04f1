using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Storage;

/// <summary>
/// The region's durable, append-only event logs, one per entity. Positions are 1-based and dense in
/// the order this region appended. An append is atomic (all events or none) and costs O(events appended).
/// Nothing above this seam may assume the log lives in memory.
/// </summary>
public interface IEventLogStore
{
    /// <summary>
    /// Appends <paramref name="events"/> at positions <c>expectedPosition + 1</c> onward. Throws
    /// <see cref="EventLogConflictException"/>, with nothing appended, when the log's head is not
    /// <paramref name="expectedPosition"/> or an event does not continue its (entity, origin) chain.
    /// </summary>
    ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events from <paramref name="fromPosition"/> in position order, at most <paramref name="maxCount"/>; fewer only when
    /// the log ends there (the auditor reads no further after a short page).
    /// </summary>
    ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Events of one origin from <paramref name="fromSeq"/> in seq order, at most <paramref name="maxCount"/>.</summary>
    ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>The event with this id, or null when this region's log does not hold it.</summary>
    ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default);

    /// <summary>Every event of the entity that carries <paramref name="requestId"/> (more than one only after a cross-region retry).</summary>
    ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default);

    /// <summary>The position of the entity's last event; 0 for an empty log.</summary>
    ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default);

    /// <summary>Entity ids with a non-empty log, in ordinal order, strictly after <paramref name="after"/>.</summary>
    ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Per origin, the highest seq in the entity's log: which events this region holds.</summary>
    ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events of one origin across all entities, in the order this region appended them, after feed
    /// position <paramref name="afterPosition"/> (feed positions are dense per origin, from 1). Replication
    /// tails the local origin's feed. The feed only ever becomes visible in order.
    /// </summary>
    ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>The last feed position of <paramref name="origin"/>; 0 when it has none.</summary>
    ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default);

    /// <summary>The last event of every origin's chain in the entity's log, read from the log itself.</summary>
    ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default);

    /// <summary>The digest of every entity's version vector (see <see cref="RegionDigest"/>), kept current on every append.</summary>
    ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default);

    /// <summary>The version vector of every entity in one digest bucket.</summary>
    ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ReadAsync"/> for the auditor: each event with whether its hash is the SHA-256 of its canonical body.
    /// A store that keeps the canonical bytes hashes them as it reads them, with no re-encoding (the envelope is a
    /// function of those bytes, so what the hash covers is what is folded); the default re-encodes each envelope.
    /// </summary>
    async ValueTask<IReadOnlyList<CheckedEvent>> ReadCheckedAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        [.. (await ReadAsync(entityId, fromPosition, maxCount, cancellationToken)).Select(e => new CheckedEvent(e, EventCodec.HasValidHash(e.Event)))];
}

/// <summary>An event read for verification, with whether its stored hash is the hash of its canonical body.</summary>
public readonly record struct CheckedEvent(LoggedEvent Logged, bool HashIsValid);

/// <summary>An event at its position in its origin's region-wide feed.</summary>
[GenerateSerializer, Immutable, Alias("concord.feed-entry")]
public sealed record FeedEntry(
    [property: Id(0)] long FeedPosition,
    [property: Id(1)] EventEnvelope Event);

/// <summary>An append did not match the log's head or an event's chain; nothing was appended.</summary>
public sealed class EventLogConflictException(string entityId, string message) : Exception($"Log of '{entityId}': {message}")
{
    public string EntityId { get; } = entityId;
}
