using System.Collections.Immutable;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Ledger;

/// <summary>Events from other regions: causal apply through the buffer, and the heads and version that include staged events.</summary>
internal sealed partial class AccountGrain
{
    public async Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var rejected = 0;
        foreach (var e in events)
        {
            if (!string.Equals(e.EntityId, Account, StringComparison.Ordinal) || !EventCodec.HasValidHash(e))
            {
                rejected++;
                continue;
            }

            if (e.Seq > EffectiveHead(e.Origin).Seq)
            {
                _remoteBuffer.Add(e);
            }
        }

        var heads = _state.Heads.ToDictionary(StringComparer.Ordinal);
        foreach (var (origin, staged) in _stagedHeads)
        {
            heads[origin] = EffectiveHead(origin);
        }

        var ready = _remoteBuffer.TakeReady(heads, EffectiveVersion(), out var broken);
        rejected += broken;
        if (_remoteBuffer.Count > MaxBufferedRemoteEvents)
        {
            // Anti-entropy resends whatever is dropped here; memory stays bounded.
            LogRemoteBufferOverflow(Account, _remoteBuffer.Count);
            _remoteBuffer.Clear();
        }

        if (rejected > 0)
        {
            LogRemoteRejected(Account, rejected);
        }

        var appends = new List<Task<LoggedEvent>>(ready.Count);
        foreach (var e in ready)
        {
            _clock.Observe(e.Hlc);
            _stagedHeads[e.Origin] = (e.Seq, e.Hash);
            appends.Add(_log.AppendAsync(e));
        }

        await Task.WhenAll(appends);
        return new RemoteApplyResult(_state.Version, _remoteBuffer.Count, rejected);
    }

    /// <summary>True when the event's request id took effect through another event (the winner by HLC, origin).</summary>
    private bool IsVoid(EventEnvelope e) => _state.TryGetRequest(e.RequestId, out var winner) && winner.EventId != e.Id;

    private (long Seq, ChainHash Hash) EffectiveHead(string origin)
    {
        var durable = _state.HeadOf(origin);
        return _stagedHeads.TryGetValue(origin, out var staged) && staged.Seq > durable.Seq ? staged : durable;
    }

    /// <summary>The version including events staged for the log but not yet durable.</summary>
    private VersionVector EffectiveVersion()
    {
        var version = _state.Version;
        foreach (var (origin, staged) in _stagedHeads)
        {
            version = version.With(origin, staged.Seq);
        }

        return version;
    }
}
