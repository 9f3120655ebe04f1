using System.Security.Cryptography;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Concord.Storage.Postgres;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;

namespace Concord.Tests.Storage;

/// <summary>Checkpoints archived in PostgreSQL reach a fresh book: the newest heads per signer, and every root as evidence.</summary>
public sealed class CheckpointArchiveTests
{
    private static readonly CheckpointSigner Signer = new(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem(), new Dictionary<string, string>());

    [PostgresFact]
    public async Task A_fresh_book_learns_the_newest_heads_and_all_evidence_from_the_archive()
    {
        var database = await PostgresServer.CreateDatabaseAsync("checkpoints");
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(database);
            var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer<SignedCheckpoint>>();
            var writer = new CheckpointBook(new PostgresCheckpointArchive(dataSource, serializer));
            var older = Sign(5, ("acc-1", 2));
            var newer = Sign(9, ("acc-1", 4));
            var forked = Sign(9, ("acc-1", 5));
            foreach (var checkpoint in new[] { newer, older, forked })
            {
                await writer.RecordAsync(checkpoint);
            }

            var reader = new CheckpointBook(new PostgresCheckpointArchive(dataSource, serializer));
            await reader.RefreshAsync(includeEvidence: false);
            Assert.True(reader.TryGetSignedHead("us", "acc-1", out var head));
            Assert.Equal(4, head.Seq);
            Assert.Empty(reader.Of("us").Where(c => c.FeedPosition == 5));

            await reader.RefreshAsync(includeEvidence: true);
            Assert.Equal(
                new[] { (5L, older.Root), (9L, newer.Root), (9L, forked.Root) }.OrderBy(c => c.Item1).ThenBy(c => c.Item2.ToString()),
                reader.Of("us").Select(c => (c.FeedPosition, c.Root)).OrderBy(c => c.FeedPosition).ThenBy(c => c.Root.ToString()));
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static SignedCheckpoint Sign(long position, (string Entity, long Seq) head)
    {
        var hash = new ChainHash((ulong)head.Seq, 1, 2, 3);
        var root = CheckpointSigner.RootOf([new(head.Entity, (head.Seq, hash))]);
        return Signer.Sign("us", position, root, 1000 + position, [new EntityHead(head.Entity, head.Seq, hash)]);
    }
}
