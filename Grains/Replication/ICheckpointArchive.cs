using Concord.Grains.Interfaces.Replication;

namespace Concord.Grains.Replication;

/// <summary>
/// Where a region keeps the checkpoints it signed and verified, so they outlive a silo and every silo of the region
/// sees them. The embedded default keeps nothing beyond each silo's <see cref="CheckpointBook"/>.
/// </summary>
public interface ICheckpointArchive
{
    /// <summary>Stores a verified checkpoint: as evidence (signer, position, root) and, when newer, as its signer's latest with heads.</summary>
    ValueTask SaveAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>
    /// The latest checkpoint (with heads) of every signer whose latest position is past <paramref name="knownLatest"/>'s,
    /// and, when <paramref name="includeEvidence"/>, every stored checkpoint without heads.
    /// </summary>
    ValueTask<IReadOnlyList<SignedCheckpoint>> LoadAsync(IReadOnlyDictionary<string, long> knownLatest, bool includeEvidence, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default: nothing to share, because an in-memory region has one silo and its book is the archive.</summary>
public sealed class InMemoryCheckpointArchive : ICheckpointArchive
{
    public ValueTask SaveAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<SignedCheckpoint>> LoadAsync(IReadOnlyDictionary<string, long> knownLatest, bool includeEvidence, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<SignedCheckpoint>>([]);
}
