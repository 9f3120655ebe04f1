using System.Collections.Concurrent;
using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Providers;

namespace Concord.Grains.Recovery;

/// <summary>
/// Whether this silo's replicas may append events of the region's own origin now. Shut while the region takes back
/// a tail it lost (every replica's core refuses local writes with a retryable error), open otherwise. A silo started
/// with <see cref="ConcordOptions.RecoverFromPeers"/> starts shut, before any grain runs; the others follow the
/// region's recovery grain, which also opens every silo's gate at once through a control command when it is done.
/// The replicas refused while it was shut are told when it opens, so that what they owe (an apology at home) is
/// appended then rather than at their next event.
/// </summary>
internal sealed partial class RegionWriteGate(
    IOptions<ConcordOptions> options,
    IGrainFactory grains,
    EntityTypeRegistry entityTypes,
    ILogger<RegionWriteGate> logger) : IControllable
{
    public const string Name = "concord-write-gate";
    public const int OpenCommand = 1;
    public const int ShutCommand = 2;

    private const string Why = "it was restored or failed over without its last commits and is taking them back from its peers";

    private readonly ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);
    private volatile bool _shut = options.Value.RecoverFromPeers;

    /// <summary>Why local writes of <paramref name="entityId"/> are refused now (the entity is told when they are taken again), or null.</summary>
    public string? RefusalFor(string entityId)
    {
        if (!_shut)
        {
            return null;
        }

        _refused.TryAdd(entityId, 0);
        return Why;
    }

    public bool IsShut => _shut;

    public void Shut() => _shut = true;

    public void Open()
    {
        if (!_shut)
        {
            return;
        }

        _shut = false;
        _ = Task.Run(ResumeRefusedAsync);
    }

    private async Task ResumeRefusedAsync()
    {
        foreach (var entity in _refused.Keys)
        {
            _refused.TryRemove(entity, out _);
            try
            {
                if (entityTypes.TryResolve(entity, out var type, out var key))
                {
                    await entityTypes.GrainOf(grains, type, key).ResumeLocalWritesAsync();
                }
            }
            catch (Exception ex)
            {
                LogResumeFailed(ex, entity);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell {EntityId} that local writes are taken again; what it owes is appended at its next event.")]
    private partial void LogResumeFailed(Exception exception, string entityId);

    public Task<object?> ExecuteCommand(int command, object? arg)
    {
        switch (command)
        {
            case OpenCommand:
                Open();
                break;
            case ShutCommand:
                Shut();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown write-gate command.");
        }

        return Task.FromResult<object?>(_shut);
    }
}
