using System.Collections.Immutable;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>The verified checkpoints this silo holds, its own and its peers', by signer and feed position.</summary>
public sealed class CheckpointBook
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Dictionary<long, List<SignedCheckpoint>>> _bySigner = new(StringComparer.Ordinal);

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
                held.Add(checkpoint);
            }
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
