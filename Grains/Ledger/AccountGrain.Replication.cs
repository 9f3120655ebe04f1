using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Ledger;

/// <summary>Events from other regions, applied in causal order by the entity replica.</summary>
internal sealed partial class AccountGrain
{
    public async Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var (rejected, dropped) = await _replica.ApplyRemoteAsync(events);
        if (dropped > 0)
        {
            LogRemoteBufferOverflow(Account, dropped);
        }

        if (rejected > 0)
        {
            LogRemoteRejected(Account, rejected);
        }

        return new RemoteApplyResult(_state.Version, _replica.Buffered, rejected);
    }

    /// <summary>True when the event's request id took effect through another event (the winner by HLC, origin).</summary>
    private bool IsVoid(EventEnvelope e) => _state.TryGetRequest(e.RequestId, out var winner) && winner.EventId != e.Id;
}
