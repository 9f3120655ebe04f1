using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Concord.Silo.Storage.Postgres;

/// <summary>
/// The region's event logs in PostgreSQL (schema in <c>Schema/</c>). Every silo of the region shares them. Events are
/// stored in their canonical encoding, so the bytes the auditor hashes are the bytes on disk.
/// </summary>
/// <remarks>
/// An append is one transaction: it locks the entity's row (one writer per log), checks the head and every chain,
/// then takes each origin's feed counter in origin order. The counter's row lock is held until commit, so feed
/// positions of one origin become visible strictly in order — a replicator tailing a feed by position never skips
/// a row that commits late (DESIGN.md, "tailing a log by a sequence column").
/// </remarks>
public sealed class PostgresEventLogStore(NpgsqlDataSource dataSource) : IEventLogStore
{
    public async ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (head, origins) = await LockEntityAsync(connection, entityId, cancellationToken);
        if (head != expectedPosition)
        {
            throw new EventLogConflictException(entityId, $"expected head {expectedPosition}, but the head is {head}.");
        }

        ValidateChains(entityId, events, origins);
        var feedPositions = await TakeFeedPositionsAsync(connection, events, cancellationToken);
        await InsertAsync(connection, entityId, head, events, feedPositions, origins, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        QueryEventsAsync(
            "SELECT position, body FROM concord_events WHERE entity_id = $1 AND position >= $2 ORDER BY position LIMIT $3",
            [entityId, fromPosition, maxCount],
            cancellationToken);

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadOriginAsync(string entityId, string origin, long fromSeq, int maxCount, CancellationToken cancellationToken = default) =>
        QueryEventsAsync(
            "SELECT position, body FROM concord_events WHERE entity_id = $1 AND origin = $2 AND seq >= $3 ORDER BY seq LIMIT $4",
            [entityId, origin, fromSeq, maxCount],
            cancellationToken);

    public async ValueTask<LoggedEvent?> FindAsync(EventId id, CancellationToken cancellationToken = default) =>
        (await QueryEventsAsync(
            "SELECT position, body FROM concord_events WHERE entity_id = $1 AND origin = $2 AND seq = $3",
            [id.EntityId, id.Origin, id.Seq],
            cancellationToken)).SingleOrDefault();

    public ValueTask<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string entityId, string requestId, CancellationToken cancellationToken = default) =>
        QueryEventsAsync(
            "SELECT position, body FROM concord_events WHERE entity_id = $1 AND request_id = $2 ORDER BY position",
            [entityId, requestId],
            cancellationToken);

    public async ValueTask<long> GetHeadAsync(string entityId, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT head FROM concord_entities WHERE entity_id = $1", [entityId], r => r.GetInt64(0), cancellationToken);
        return rows.Count == 0 ? 0 : rows[0];
    }

    public ValueTask<IReadOnlyList<string>> ListEntitiesAsync(string? after, int maxCount, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT entity_id FROM concord_entities WHERE head > 0 AND ($1::text IS NULL OR entity_id > $1) ORDER BY entity_id LIMIT $2",
            [(object?)after ?? DBNull.Value, maxCount],
            r => r.GetString(0),
            cancellationToken);

    public async ValueTask<VersionVector> GetVersionAsync(string entityId, CancellationToken cancellationToken = default) =>
        VersionVector.From(await QueryAsync(
            "SELECT origin, seq FROM concord_entity_origins WHERE entity_id = $1",
            [entityId],
            r => new KeyValuePair<string, long>(r.GetString(0), r.GetInt64(1)),
            cancellationToken));

    public ValueTask<IReadOnlyList<FeedEntry>> ReadFeedAsync(string origin, long afterPosition, int maxCount, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT feed_position, body FROM concord_events WHERE origin = $1 AND feed_position > $2 ORDER BY feed_position LIMIT $3",
            [origin, afterPosition, maxCount],
            r => new FeedEntry(r.GetInt64(0), EventCodec.Decode(r.GetFieldValue<byte[]>(1))),
            cancellationToken);

    public async ValueTask<long> GetFeedHeadAsync(string origin, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT head FROM concord_feeds WHERE origin = $1", [origin], r => r.GetInt64(0), cancellationToken);
        return rows.Count == 0 ? 0 : rows[0];
    }

    public ValueTask<IReadOnlyList<OriginHead>> GetHeadsAsync(string entityId, CancellationToken cancellationToken = default) =>
        // Read from the events themselves, not from the per-origin summary, so that the auditor sees what the log holds.
        QueryAsync(
            "SELECT DISTINCT ON (origin) origin, seq, body FROM concord_events WHERE entity_id = $1 ORDER BY origin, seq DESC",
            [entityId],
            r => new OriginHead(r.GetString(0), r.GetInt64(1), StoredHashOf(r.GetFieldValue<byte[]>(2))),
            cancellationToken);

    public async ValueTask<RegionDigest> GetDigestAsync(CancellationToken cancellationToken = default)
    {
        var buckets = new ChainHash[RegionDigest.BucketCount];
        var rows = await QueryAsync(
            "SELECT bucket, bit_xor(digest0), bit_xor(digest1), bit_xor(digest2), bit_xor(digest3) FROM concord_entities GROUP BY bucket",
            [],
            r => (Bucket: r.GetInt32(0), Digest: new ChainHash((ulong)r.GetInt64(1), (ulong)r.GetInt64(2), (ulong)r.GetInt64(3), (ulong)r.GetInt64(4))),
            cancellationToken);
        foreach (var (bucket, digest) in rows)
        {
            buckets[bucket] = digest;
        }

        return new RegionDigest([.. buckets]);
    }

    public async ValueTask<IReadOnlyList<EntityVersion>> ListBucketAsync(int bucket, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, RegionDigest.BucketCount);
        var rows = await QueryAsync(
            """
            SELECT e.entity_id, o.origin, o.seq FROM concord_entities e
            JOIN concord_entity_origins o ON o.entity_id = e.entity_id
            WHERE e.bucket = $1 ORDER BY e.entity_id
            """,
            [bucket],
            r => (Entity: r.GetString(0), Origin: r.GetString(1), Seq: r.GetInt64(2)),
            cancellationToken);
        return [.. rows.GroupBy(r => r.Entity, StringComparer.Ordinal)
            .Select(g => new EntityVersion(g.Key, VersionVector.From(g.Select(r => new KeyValuePair<string, long>(r.Origin, r.Seq)))))];
    }

    /// <summary>The encoded form ends with the stored hash (see <see cref="EventCodec.Encode"/>).</summary>
    private static ChainHash StoredHashOf(byte[] body) => ChainHash.FromBytes(body.AsSpan(body.Length - ChainHash.Length));

    private static async Task<(long Head, Dictionary<string, (long Seq, ChainHash Hash)> Origins)> LockEntityAsync(
        NpgsqlConnection connection, string entityId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("INSERT INTO concord_entities (entity_id, head, bucket, digest0, digest1, digest2, digest3) VALUES ($1, 0, $2, 0, 0, 0, 0) ON CONFLICT (entity_id) DO NOTHING", entityId, RegionDigest.BucketOf(entityId)),
                Command("SELECT head FROM concord_entities WHERE entity_id = $1 FOR UPDATE", entityId),
                Command("SELECT origin, seq, hash FROM concord_entity_origins WHERE entity_id = $1", entityId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var head = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var origins = new Dictionary<string, (long Seq, ChainHash Hash)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            origins[reader.GetString(0)] = (reader.GetInt64(1), ChainHash.FromBytes(reader.GetFieldValue<byte[]>(2)));
        }

        return (head, origins);
    }

    /// <summary>Checks the whole batch before anything is written, with the same rules as the in-memory store.</summary>
    private static void ValidateChains(string entityId, IReadOnlyList<EventEnvelope> events, Dictionary<string, (long Seq, ChainHash Hash)> origins)
    {
        var heads = new Dictionary<string, (long Seq, ChainHash Hash)>(origins, StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!string.Equals(e.EntityId, entityId, StringComparison.Ordinal))
            {
                throw new EventLogConflictException(entityId, $"event {e.Id} belongs to another entity.");
            }

            var head = heads.TryGetValue(e.Origin, out var h) ? h : (0, ChainHash.Genesis);
            if (e.Seq != head.Seq + 1 || e.PrevHash != head.Hash)
            {
                throw new EventLogConflictException(entityId, $"event {e.Id} does not continue origin '{e.Origin}' at seq {head.Seq}.");
            }

            heads[e.Origin] = (e.Seq, e.Hash);
        }
    }

    /// <summary>Reserves feed positions for each origin in the batch; origins are locked in ordinal order, so appends never deadlock.</summary>
    private static async Task<long[]> TakeFeedPositionsAsync(NpgsqlConnection connection, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken)
    {
        var counts = events.GroupBy(e => e.Origin, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Origin: g.Key, Count: (long)g.Count())).ToArray();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (origin, count) in counts)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO concord_feeds (origin, head) VALUES ($1, $2) ON CONFLICT (origin) DO UPDATE SET head = concord_feeds.head + EXCLUDED.head RETURNING head",
                origin,
                count));
        }

        var next = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            foreach (var (origin, count) in counts)
            {
                await reader.ReadAsync(cancellationToken);
                next[origin] = reader.GetInt64(0) - count + 1;
                await reader.NextResultAsync(cancellationToken);
            }
        }

        var positions = new long[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            positions[i] = next[events[i].Origin]++;
        }

        return positions;
    }

    private static async Task InsertAsync(
        NpgsqlConnection connection,
        string entityId,
        long head,
        IReadOnlyList<EventEnvelope> events,
        long[] feedPositions,
        Dictionary<string, (long Seq, ChainHash Hash)> origins,
        CancellationToken cancellationToken)
    {
        var version = VersionVector.From(origins.Select(o => new KeyValuePair<string, long>(o.Key, o.Value.Seq)));
        foreach (var e in events)
        {
            origins[e.Origin] = (e.Seq, e.Hash);
            version = version.With(e.Origin, e.Seq);
        }

        var digest = RegionDigest.EntityDigest(entityId, version);
        var touched = events.Select(e => e.Origin).Distinct(StringComparer.Ordinal).ToArray();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO concord_events (entity_id, position, origin, seq, request_id, feed_position, body)
                    SELECT $1, p, o, s, r, f, b FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bytea[]) AS t(p, o, s, r, f, b)
                    """)
                {
                    Parameters =
                    {
                        new() { Value = entityId },
                        new() { Value = events.Select((_, i) => head + i + 1).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                        new() { Value = events.Select(e => e.Origin).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new() { Value = events.Select(e => e.Seq).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                        new() { Value = events.Select(e => e.RequestId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new() { Value = feedPositions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                        new() { Value = events.Select(EventCodec.Encode).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO concord_entity_origins (entity_id, origin, seq, hash)
                    SELECT $1, o, s, h FROM unnest($2::text[], $3::bigint[], $4::bytea[]) AS t(o, s, h)
                    ON CONFLICT (entity_id, origin) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash
                    """)
                {
                    Parameters =
                    {
                        new() { Value = entityId },
                        new() { Value = touched, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new() { Value = touched.Select(o => origins[o].Seq).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                        new() { Value = touched.Select(o => origins[o].Hash.ToBytes()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                    },
                },
                Command(
                    "UPDATE concord_entities SET head = $2, digest0 = $3, digest1 = $4, digest2 = $5, digest3 = $6 WHERE entity_id = $1",
                    entityId,
                    head + events.Count,
                    unchecked((long)digest.W0),
                    unchecked((long)digest.W1),
                    unchecked((long)digest.W2),
                    unchecked((long)digest.W3)),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private ValueTask<IReadOnlyList<LoggedEvent>> QueryEventsAsync(string sql, object[] parameters, CancellationToken cancellationToken) =>
        QueryAsync(sql, parameters, r => new LoggedEvent(r.GetInt64(0), EventCodec.Decode(r.GetFieldValue<byte[]>(1))), cancellationToken);

    private async ValueTask<IReadOnlyList<T>> QueryAsync<T>(string sql, object[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    // A failed append or read surfaces to the entity grain, which answers StorageUnavailable and deactivates.
    private ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => dataSource.OpenConnectionAsync(cancellationToken);

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
