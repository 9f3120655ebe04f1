using System.Threading.Channels;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Concord.Storage.Postgres;

/// <summary>
/// The region's event logs in PostgreSQL (schema in <c>Schema/</c>). Every silo of the region shares them. Events are
/// stored in their canonical encoding, so the bytes the auditor hashes are the bytes on disk.
/// </summary>
/// <remarks>
/// Appends are group-committed across entities: one writer per silo takes every append waiting, and writes them in
/// one transaction. It locks the entities' rows, checks each append's head and chains (a failed check fails only
/// that append), then takes each origin's feed counter. The counter's row lock is held until commit, so feed
/// positions of one origin become visible strictly in order — a replicator tailing a feed by position never skips
/// a row that commits late (DESIGN.md, "tailing a log by a sequence column") — and because one transaction carries
/// many appends, that lock is taken once per group, not once per append.
/// </remarks>
public sealed class PostgresEventLogStore : IEventLogStore, IAsyncDisposable
{
    /// <summary>Most appends in one transaction.</summary>
    private const int MaxGroup = 256;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public PostgresEventLogStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _writer = Task.Run(WriteGroupsAsync);
    }

    public async ValueTask AppendAsync(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return;
        }

        var pending = new PendingAppend(entityId, expectedPosition, events);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresEventLogStore));
        }

        await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<PendingAppend>(MaxGroup);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (group.Count < MaxGroup && _pending.Reader.TryRead(out var next))
            {
                group.Add(next);
            }

            try
            {
                await WriteGroupAsync(group);
            }
            catch (Exception ex)
            {
                // Nothing of the group was committed (or the commit's outcome is unknown): each caller learns it.
                foreach (var append in group)
                {
                    append.Completion.TrySetException(ex);
                }
            }

            group.Clear();
        }
    }

    private async Task WriteGroupAsync(List<PendingAppend> group)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var entities = await LockEntitiesAsync(connection, group.Select(a => a.EntityId).Distinct(StringComparer.Ordinal).ToArray());
        var accepted = new List<(PendingAppend Append, long Head)>(group.Count);
        foreach (var append in group)
        {
            var entity = entities[append.EntityId];
            try
            {
                if (entity.Head != append.ExpectedPosition)
                {
                    throw new EventLogConflictException(append.EntityId, $"expected head {append.ExpectedPosition}, but the head is {entity.Head}.");
                }

                ChainContinuity.Check(append.EntityId, append.Events, origin => entity.Origins.TryGetValue(origin, out var head) ? head : (0, ChainHash.Genesis));
            }
            catch (EventLogConflictException ex)
            {
                append.Completion.TrySetException(ex);
                continue;
            }

            accepted.Add((append, entity.Head));
            entity.Head += append.Events.Count;
            foreach (var e in append.Events)
            {
                entity.Origins[e.Origin] = (e.Seq, e.Hash);
            }
        }

        if (accepted.Count > 0)
        {
            var events = accepted.SelectMany(a => a.Append.Events).ToList();
            var feedPositions = await TakeFeedPositionsAsync(connection, events);
            await InsertAsync(connection, accepted, feedPositions, entities);
            await transaction.CommitAsync();
        }

        foreach (var (append, _) in accepted)
        {
            append.Completion.TrySetResult();
        }
    }

    private const string ReadLogSql = "SELECT position, body FROM concord_events WHERE entity_id = $1 AND position >= $2 ORDER BY position LIMIT $3";

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        QueryEventsAsync(
            ReadLogSql,
            [entityId, fromPosition, maxCount],
            cancellationToken);

    // The body column is the canonical form the hash was computed over: hashing it needs no re-encoding.
    public ValueTask<IReadOnlyList<CheckedEvent>> ReadCheckedAsync(string entityId, long fromPosition, int maxCount, CancellationToken cancellationToken = default) =>
        QueryAsync(
            ReadLogSql,
            [entityId, fromPosition, maxCount],
            r =>
            {
                var body = r.GetFieldValue<byte[]>(1);
                return new CheckedEvent(new LoggedEvent(r.GetInt64(0), EventCodec.Decode(body)), EventCodec.StoredHashIsValid(body));
            },
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

    /// <summary>Locks the entities' rows (creating missing ones) in id order, and reads their heads and chain heads.</summary>
    private static async Task<Dictionary<string, EntityHead>> LockEntitiesAsync(NpgsqlConnection connection, string[] entityIds)
    {
        System.Array.Sort(entityIds, StringComparer.Ordinal);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO concord_entities (entity_id, head, bucket, digest0, digest1, digest2, digest3)
                    SELECT e, 0, b, 0, 0, 0, 0 FROM unnest($1::text[], $2::integer[]) AS t(e, b) ORDER BY e
                    ON CONFLICT (entity_id) DO NOTHING
                    """)
                {
                    Parameters =
                    {
                        new() { Value = entityIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new() { Value = entityIds.Select(RegionDigest.BucketOf).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
                    },
                },
                new NpgsqlBatchCommand("SELECT entity_id, head FROM concord_entities WHERE entity_id = ANY($1) ORDER BY entity_id FOR UPDATE")
                {
                    Parameters = { new() { Value = entityIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text } },
                },
                new NpgsqlBatchCommand("SELECT entity_id, origin, seq, hash FROM concord_entity_origins WHERE entity_id = ANY($1)")
                {
                    Parameters = { new() { Value = entityIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync();
        var entities = new Dictionary<string, EntityHead>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            entities[reader.GetString(0)] = new EntityHead(reader.GetInt64(1));
        }

        await reader.NextResultAsync();
        while (await reader.ReadAsync())
        {
            entities[reader.GetString(0)].Origins[reader.GetString(1)] = (reader.GetInt64(2), ChainHash.FromBytes(reader.GetFieldValue<byte[]>(3)));
        }

        return entities;
    }

    /// <summary>Reserves feed positions for each origin in the batch; origins are locked in ordinal order, so appends never deadlock.</summary>
    private static async Task<long[]> TakeFeedPositionsAsync(NpgsqlConnection connection, IReadOnlyList<EventEnvelope> events)
    {
        var counts = events.GroupBy(e => e.Origin, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Origin: g.Key, Count: (long)g.Count())).ToArray();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (origin, count) in counts)
        {
            batch.BatchCommands.Add(NpgsqlCommands.Batch(
                "INSERT INTO concord_feeds (origin, head) VALUES ($1, $2) ON CONFLICT (origin) DO UPDATE SET head = concord_feeds.head + EXCLUDED.head RETURNING head",
                origin,
                count));
        }

        var next = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            foreach (var (origin, count) in counts)
            {
                await reader.ReadAsync();
                next[origin] = reader.GetInt64(0) - count + 1;
                await reader.NextResultAsync();
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
        List<(PendingAppend Append, long Head)> accepted,
        long[] feedPositions,
        Dictionary<string, EntityHead> entities)
    {
        var rows = accepted.SelectMany(a => a.Append.Events.Select((e, i) => (Event: e, Position: a.Head + i + 1))).ToList();
        var touched = accepted.Select(a => a.Append.EntityId).Distinct(StringComparer.Ordinal).ToArray();
        var origins = touched.SelectMany(id => entities[id].Origins.Select(o => (Entity: id, Origin: o.Key, o.Value.Seq, o.Value.Hash))).ToList();
        var digests = touched.Select(id => RegionDigest.EntityDigest(id, VersionVector.From(entities[id].Origins.Select(o => new KeyValuePair<string, long>(o.Key, o.Value.Seq))))).ToArray();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO concord_events (entity_id, position, origin, seq, request_id, feed_position, body)
                    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bytea[])
                    """)
                {
                    Parameters =
                    {
                        ArrayOf(rows.Select(r => r.Event.EntityId), NpgsqlDbType.Text),
                        ArrayOf(rows.Select(r => r.Position), NpgsqlDbType.Bigint),
                        ArrayOf(rows.Select(r => r.Event.Origin), NpgsqlDbType.Text),
                        ArrayOf(rows.Select(r => r.Event.Seq), NpgsqlDbType.Bigint),
                        ArrayOf(rows.Select(r => r.Event.RequestId), NpgsqlDbType.Text),
                        ArrayOf(feedPositions, NpgsqlDbType.Bigint),
                        ArrayOf(rows.Select(r => EventCodec.Encode(r.Event)), NpgsqlDbType.Bytea),
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO concord_entity_origins (entity_id, origin, seq, hash)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])
                    ON CONFLICT (entity_id, origin) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash
                    """)
                {
                    Parameters =
                    {
                        ArrayOf(origins.Select(o => o.Entity), NpgsqlDbType.Text),
                        ArrayOf(origins.Select(o => o.Origin), NpgsqlDbType.Text),
                        ArrayOf(origins.Select(o => o.Seq), NpgsqlDbType.Bigint),
                        ArrayOf(origins.Select(o => o.Hash.ToBytes()), NpgsqlDbType.Bytea),
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    UPDATE concord_entities AS e SET head = t.h, digest0 = t.d0, digest1 = t.d1, digest2 = t.d2, digest3 = t.d3
                    FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS t(id, h, d0, d1, d2, d3)
                    WHERE e.entity_id = t.id
                    """)
                {
                    Parameters =
                    {
                        ArrayOf(touched, NpgsqlDbType.Text),
                        ArrayOf(touched.Select(id => entities[id].Head), NpgsqlDbType.Bigint),
                        ArrayOf(digests.Select(d => unchecked((long)d.W0)), NpgsqlDbType.Bigint),
                        ArrayOf(digests.Select(d => unchecked((long)d.W1)), NpgsqlDbType.Bigint),
                        ArrayOf(digests.Select(d => unchecked((long)d.W2)), NpgsqlDbType.Bigint),
                        ArrayOf(digests.Select(d => unchecked((long)d.W3)), NpgsqlDbType.Bigint),
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
    }

    private static NpgsqlParameter ArrayOf<T>(IEnumerable<T> values, NpgsqlDbType elementType) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | elementType };

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
    private ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>One entity's head and chain heads as the group being written sees them.</summary>
    private sealed class EntityHead(long head)
    {
        public long Head { get; set; } = head;

        public Dictionary<string, (long Seq, ChainHash Hash)> Origins { get; } = new(StringComparer.Ordinal);
    }

    private sealed class PendingAppend(string entityId, long expectedPosition, IReadOnlyList<EventEnvelope> events)
    {
        public string EntityId { get; } = entityId;

        public long ExpectedPosition { get; } = expectedPosition;

        public IReadOnlyList<EventEnvelope> Events { get; } = events;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
