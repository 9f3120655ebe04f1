using System.Collections.Concurrent;
using System.Collections.Immutable;
using Concord.Grains.Entities;
using Orleans.Providers;

namespace Concord.Grains.Recovery;

/// <summary>
/// The entities whose replicas in this silo hold events waiting for their causal past. A region that lost its tail
/// asks each peer for the waiting events of its own origin: they are taken out of the buffers here and handed back on
/// every ask (an answer can be lost), because once the asker writes again, an old event applied from a buffer would
/// fork its chain. An entity stays listed while its replica keeps such events. Reached in every silo of the region
/// through <see cref="IManagementGrain.SendControlCommandToProvider{T}(string, int, object)"/>.
/// </summary>
internal sealed class WaitingEventsRegistry(IGrainFactory grains, EntityTypeRegistry entityTypes) : IControllable
{
    public const string Name = "concord-waiting-events";
    public const int TakeCommand = 1;

    private readonly ConcurrentDictionary<string, byte> _entities = new(StringComparer.Ordinal);

    /// <summary>Called by a replica after it applied remote events, with how many wait in its buffer.</summary>
    public void Track(string entityId, int buffered)
    {
        if (buffered > 0)
        {
            _entities.TryAdd(entityId, 0);
        }
        else
        {
            _entities.TryRemove(entityId, out _);
        }
    }

    public async Task<object?> ExecuteCommand(int command, object? arg)
    {
        if (command != TakeCommand || arg is not string origin)
        {
            throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown waiting-events command.");
        }

        var taken = await Task.WhenAll(_entities.Keys.Select(async entity =>
            entityTypes.TryResolve(entity, out var type, out var key)
                ? await entityTypes.GrainOf(grains, type, key).TakeWaitingAsync(origin)
                : []));
        return taken.SelectMany(e => e).ToImmutableArray();
    }
}
