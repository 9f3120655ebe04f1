using Concord.Grains.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Providers;

namespace Concord.Grains.Recovery;

/// <summary>
/// Whether this silo's replicas may append events of the region's own origin now. Shut while the region takes back
/// a tail it lost (every replica's core refuses local writes with a retryable error), open otherwise. A silo started
/// with <see cref="ConcordOptions.RecoverFromPeers"/> starts shut, before any grain runs; the others follow the
/// region's recovery grain, which also opens every silo's gate at once through a control command when it is done.
/// </summary>
internal sealed class RegionWriteGate(IOptions<ConcordOptions> options) : IControllable
{
    public const string Name = "concord-write-gate";
    public const int OpenCommand = 1;
    public const int ShutCommand = 2;

    private const string Why = "it was restored or failed over without its last commits and is taking them back from its peers";

    private volatile bool _shut = options.Value.RecoverFromPeers;

    /// <summary>Why local writes are refused now, or null when they are taken.</summary>
    public string? Refusal => _shut ? Why : null;

    public bool IsShut => _shut;

    public void Shut() => _shut = true;

    public void Open() => _shut = false;

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
