using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// The verified checkpoints this silo holds, its own and its peers', by signer and feed position. It writes through to
/// the region's <see cref="ICheckpointArchive"/> and refreshes from it, so a restarted silo, or another silo of the
/// region, knows what any of them verified.
/// </summary>
public sealed class CheckpointBook(ICheckpointArchive archive)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Dictionary<long, List<SignedCheckpoint>>> _bySigner = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Position, Dictionary<string, (long Seq, ChainHash Hash)> Heads)> _latestHeads = new(StringComparer.Ordinal);

    /// <summary>Keeps a verified checkpoint here and in the archive.</summary>
    public async ValueTask RecordAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        Record(checkpoint);
        await archive.SaveAsync(checkpoint, cancellationToken);
    }

    /// <summary>Takes in what other silos (or this one, before a restart) archived: newer latest heads, and all evidence when asked.</summary>
    public async ValueTask RefreshAsync(bool includeEvidence, CancellationToken cancellationToken = default)
    {
        Dictionary<string, long> known;
        lock (_lock)
        {
            known = _latestHeads.ToDictionary(l => l.Key, l => l.Value.Position, StringComparer.Ordinal);
        }

        foreach (var checkpoint in await archive.LoadAsync(known, includeEvidence, cancellationToken))
        {
            Record(checkpoint);
        }
    }

    /// <summary>Keeps a verified checkpoint; a second, different root for the same position is kept too, as evidence.</summary>
    public void Record(SignedCheckpoint checkpoint)
    {
        lock (_lock)
        {
            if (!_bySigner.TryGetValue(checkpoint.Signer, out var positions))
            {
                _bySigner[checkpoint.Signer] = positions = [];
            }

            if (!positions.TryGetValue(checkpoint.FeedPosition, out var held))
            {
                positions[checkpoint.FeedPosition] = held = [];
            }

            if (!held.Exists(c => c.Root == checkpoint.Root))
            {
                // Evidence is kept without its head list; only the newest heads per signer are needed.
                held.Add(checkpoint with { Heads = default });
            }

            if (!checkpoint.Heads.IsDefault
                && (!_latestHeads.TryGetValue(checkpoint.Signer, out var latest) || latest.Position < checkpoint.FeedPosition))
            {
                _latestHeads[checkpoint.Signer] = (checkpoint.FeedPosition, checkpoint.Heads.ToDictionary(h => h.EntityId, h => (h.Seq, h.Hash), StringComparer.Ordinal));
                _latestFull[checkpoint.Signer] = checkpoint;
            }
        }
    }

    private readonly Dictionary<string, SignedCheckpoint> _latestFull = new(StringComparer.Ordinal);

    /// <summary>The head of <paramref name="signer"/>'s chain in an entity, as its newest verified checkpoint signs it.</summary>
    public bool TryGetSignedHead(string signer, string entityId, out (long Seq, ChainHash Hash) head)
    {
        lock (_lock)
        {
            head = default;
            return _latestHeads.TryGetValue(signer, out var latest) && latest.Heads.TryGetValue(entityId, out head);
        }
    }

    /// <summary>The newest verified checkpoint of a signer, heads included, to relay with that signer's events.</summary>
    public SignedCheckpoint? LatestOf(string signer)
    {
        lock (_lock)
        {
            return _latestFull.GetValueOrDefault(signer);
        }
    }

    /// <summary>The highest feed position <paramref name="signer"/> signed a verified checkpoint for, or 0.</summary>
    public long HighestPositionOf(string signer)
    {
        lock (_lock)
        {
            return _bySigner.TryGetValue(signer, out var positions) && positions.Count > 0 ? positions.Keys.Max() : 0;
        }
    }

    public ImmutableArray<SignedCheckpoint> Of(string signer)
    {
        lock (_lock)
        {
            return _bySigner.TryGetValue(signer, out var positions) ? [.. positions.Values.SelectMany(c => c)] : [];
        }
    }
}
