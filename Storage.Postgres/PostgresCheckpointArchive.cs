using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Npgsql;
using Orleans.Serialization;

namespace Concord.Storage.Postgres;

/// <summary>The region's verified checkpoints in PostgreSQL (schema <c>0003-checkpoints.sql</c>), shared by its silos.</summary>
public sealed class PostgresCheckpointArchive(NpgsqlDataSource dataSource, Serializer<SignedCheckpoint> serializer) : ICheckpointArchive
{
    /// <summary>Most checkpoints per signer loaded as evidence (the newest), so loading stays bounded as the table grows.</summary>
    public const int EvidencePerSigner = 2000;

    public async ValueTask SaveAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(NpgsqlCommands.Batch(
            "INSERT INTO concord_checkpoints (signer, feed_position, root, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            checkpoint.Signer,
            checkpoint.FeedPosition,
            checkpoint.Root.ToBytes(),
            serializer.SerializeToArray(checkpoint with { Heads = default })));
        if (!checkpoint.Heads.IsDefault)
        {
            batch.BatchCommands.Add(NpgsqlCommands.Batch(
                """
                INSERT INTO concord_checkpoint_heads (signer, feed_position, body) VALUES ($1, $2, $3)
                ON CONFLICT (signer) DO UPDATE SET feed_position = EXCLUDED.feed_position, body = EXCLUDED.body
                WHERE concord_checkpoint_heads.feed_position < EXCLUDED.feed_position
                """,
                checkpoint.Signer,
                checkpoint.FeedPosition,
                serializer.SerializeToArray(checkpoint)));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<SignedCheckpoint>> LoadAsync(IReadOnlyDictionary<string, long> knownLatest, bool includeEvidence, CancellationToken cancellationToken = default)
    {
        var loaded = new List<SignedCheckpoint>();
        await using (var latest = dataSource.CreateCommand("SELECT signer, feed_position FROM concord_checkpoint_heads"))
        {
            var newer = new List<string>();
            await using (var reader = await latest.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (!knownLatest.TryGetValue(reader.GetString(0), out var known) || known < reader.GetInt64(1))
                    {
                        newer.Add(reader.GetString(0));
                    }
                }
            }

            // Only signers that moved are read in full: a checkpoint with heads lists every entity the signer wrote.
            if (newer.Count > 0)
            {
                await ReadBodiesAsync("SELECT body FROM concord_checkpoint_heads WHERE signer = ANY($1)", [newer.ToArray()], loaded, cancellationToken);
            }
        }

        if (includeEvidence)
        {
            // The newest evidence per signer is what an audit compares across regions; older rows stay in the table.
            await ReadBodiesAsync(
                "SELECT body FROM (SELECT body, row_number() OVER (PARTITION BY signer ORDER BY feed_position DESC) AS n FROM concord_checkpoints) AS recent WHERE n <= $1",
                [EvidencePerSigner],
                loaded,
                cancellationToken);
        }

        return loaded;
    }

    private async Task ReadBodiesAsync(string sql, object[] parameters, List<SignedCheckpoint> into, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into.Add(serializer.Deserialize(reader.GetFieldValue<byte[]>(0)) ?? throw new InvalidDataException("An archived checkpoint is empty."));
        }
    }
}
