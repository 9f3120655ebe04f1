using System.Diagnostics;
using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Concord.Grains.Entities;

/// <summary>
/// Session guarantees (docs/semantics.md#sessions): before it answers or decides, the replica applies what the
/// caller's session saw of this entity, from replication as it arrives or, when that is late, by asking every peer it
/// can reach for it.
/// </summary>
public abstract partial class ReplicatedEntityGrain<TState>
{
    string ISessionReplica.SessionEntityId => _runtime is null ? string.Empty : EntityId;

    /// <summary>
    /// Waits, bounded by <see cref="Hosting.ConcordOptions.SessionCatchUpTimeout"/>, until this replica has applied
    /// <paramref name="required"/>. Replication has the first quarter of the bound; then the replica asks its peers
    /// for what it lacks, again each quarter. A grain that is not reentrant cannot take replication while it waits, so
    /// it asks at once, once. A session that needs more of this region's own chain than it ever wrote is refused at
    /// once: no wait can bring it.
    /// </summary>
    async Task ISessionReplica.AwaitSessionAsync(VersionVector required)
    {
        if (_invalidKeyMessage is not null || _machine.Fold.Version.Covers(required))
        {
            return;
        }

        var written = _machine.Replica.EffectiveHead(Region).Seq;
        if (required[Region] > written)
        {
            throw new InvalidRequestException("session", $"The session depends on {Region}:{required[Region]} of '{EntityId}', but {Region} has written {written} events of it: the token is not from this deployment, or from a backup newer than this region's.");
        }

        var metrics = ServiceProvider.GetRequiredService<ConcordMetrics>();
        var timeout = _options.SessionCatchUpTimeout;
        var round = _runtime.IsReentrant ? timeout / 4 : TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        var nextAsk = round;
        while (!_machine.Fold.Version.Covers(required))
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= timeout || (!_runtime.IsReentrant && elapsed > TimeSpan.Zero && nextAsk > timeout))
            {
                break;
            }

            if (elapsed >= nextAsk)
            {
                nextAsk = _runtime.IsReentrant ? elapsed + round : TimeSpan.MaxValue;
                await FetchSessionFromPeersAsync(required, timeout - elapsed);
                continue;
            }

            try
            {
                _progress ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _progress.Task.WaitAsync(nextAsk - elapsed);
            }
            catch (TimeoutException)
            {
                // Time to ask the peers.
            }
        }

        var waited = Stopwatch.GetElapsedTime(started);
        if (!_machine.Fold.Version.Covers(required))
        {
            var missing = string.Join(", ", required.Entries.Where(e => _machine.Fold.Version[e.Origin] < e.Seq).Select(e => $"{e.Origin}:{_machine.Fold.Version[e.Origin] + 1}-{e.Seq}"));
            metrics.SessionRefused(Region, _runtime.Name);
            throw new SessionNotCaughtUpException(EntityId, Region, missing, _runtime.IsReentrant ? timeout : TimeSpan.Zero);
        }

        metrics.SessionWaited(Region, _runtime.Name, waited);
    }

    /// <summary>
    /// Asks every peer, at once and within <paramref name="bound"/>, for what this replica lacks of
    /// <paramref name="required"/>, and applies what may be applied (see <see cref="SessionCatchUps"/>). A peer that
    /// is down or cut costs only its own call.
    /// </summary>
    private async Task FetchSessionFromPeersAsync(VersionVector required, TimeSpan bound)
    {
        if (ServiceProvider.GetService<RegionLinks>() is not { } links)
        {
            return;
        }

        var signer = ServiceProvider.GetRequiredService<CheckpointSigner>();
        var checkpoints = ServiceProvider.GetRequiredService<CheckpointBook>();
        using var deadline = new CancellationTokenSource(bound);
        var held = _machine.Fold.Version;
        await Task.WhenAll(_options.Peers.Select(async peer =>
        {
            try
            {
                var answer = await links.Get(peer).GetForSessionAsync(EntityId, held, required, deadline.Token);
                var accepted = await SessionCatchUps.AcceptAsync(peer, answer, signer, checkpoints.TryGetSignedHead, async entity => await _store.GetHeadsAsync(entity, deadline.Token));
                if (accepted.Count > 0)
                {
                    var (rejected, dropped, _) = await _machine.ApplyRemoteAsync([.. accepted]);
                    ServiceProvider.GetRequiredService<ConcordMetrics>().SessionFetched(Region, _runtime.Name, accepted.Count - rejected);
                    if (rejected + dropped > 0)
                    {
                        LogRemoteRefused(EntityId, rejected, dropped);
                    }

                    ListWaiting();
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSessionFetchFailed(EntityId, peer, ex.GetBaseException().Message);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{EntityId}: asking {Peer} for what a session needs failed: {Problem}.")]
    private partial void LogSessionFetchFailed(string entityId, string peer, string problem);
}
