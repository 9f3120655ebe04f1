using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Simulation;

/// <summary>
/// A region that comes back from a store that lost its last commits takes them back from its peers before it writes
/// again (docs/reliability.md, "A region that comes back without its last commits"): the asking side and the peers' side.
/// </summary>
internal sealed partial class SimulatedRegion
{
    /// <summary>
    /// Comes back (after a crash) from a store that lost its last <paramref name="lost"/> commits. Its peers may hold
    /// events of its own it no longer has: it takes no write of its own until every peer has sent back everything it
    /// holds beyond this region's versions, so that its chains continue after the highest sequence any peer holds.
    /// </summary>
    public async Task RestartFromLossAsync(int lost)
    {
        foreach (var e in await Store.LoseLastAsync(lost))
        {
            // What no peer holds either is gone with the failover: no protocol can bring it back.
            var elsewhere = false;
            foreach (var peer in _options.Peers)
            {
                elsewhere |= await _sim.Regions[peer].Store.FindAsync(e.Id) is not null;
            }

            if (!elsewhere)
            {
                _sim.LostWithFailover.Add((e.EntityId, e.RequestId));
            }
        }

        var head = await Store.GetFeedHeadAsync(Name);
        foreach (var peer in _options.Peers)
        {
            // Acknowledged positions past the new head name events this store no longer has.
            _feeds[peer].RewindTo(head);
            if (!PlantedBugs.ResumeWritesAfterLoss)
            {
                _awaitingRecovery.Add(peer);
            }
        }

        await RestartAsync();
    }

    private void AskForRecovery()
    {
        if (!IsUp || !IsRecovering)
        {
            return;
        }

        var epoch = Epoch;
        _ = _sim.Scheduler.Start(async () =>
        {
            var versions = new SortedDictionary<string, VersionVector>(StringComparer.Ordinal);
            foreach (var entity in await Store.ListEntitiesAsync(null, int.MaxValue))
            {
                versions[entity] = await Store.GetVersionAsync(entity);
            }

            _sim.Trace($"{Name} asks {string.Join(", ", _awaitingRecovery)} for what it lost");
            foreach (var peer in _awaitingRecovery)
            {
                Send(new RecoveryRequest(Name, peer, versions));
            }
        });

        // Asked again until every peer answered: requests and answers may be lost, and peers may be cut off.
        _sim.After(500, () =>
        {
            if (Epoch == epoch)
            {
                AskForRecovery();
            }
        });
    }

    /// <summary>
    /// A peer's side: everything held beyond the asker's versions, and the asker's waiting events, taken out of the
    /// buffers here (applied here they could fork the asker's chain once it writes again) and sent on every ask.
    /// </summary>
    private async Task AnswerRecoveryAsync(RecoveryRequest request) =>
        Send(new RecoveryReply(Name, request.From, await BeyondAsync(request.From, request.Versions)));

    /// <summary>The asker's side: applies what a peer sent back; recovered once every peer answered and all of it that can apply has.</summary>
    private async Task TakeBackAsync(RecoveryReply reply)
    {
        _recoveryOwed.Record(reply.Events);
        if (!await ApplyAsync(reply.Events))
        {
            _sim.Trace($"{Name} could not take back {reply.Events.Count} event(s) from {reply.From}; asks again");
        }
        else if (_awaitingRecovery.Remove(reply.From) && !IsRecovering && !await _recoveryOwed.HoldsAllAsync(Store, CancellationToken.None))
        {
            // Something sent back still waits in a causal buffer for a dependency: ask every peer again.
            _sim.Trace($"{Name} holds back events it took back until their dependencies arrive; asks again");
            _awaitingRecovery.UnionWith(_options.Peers);
        }
        else if (!IsRecovering)
        {
            _sim.Trace($"{Name} recovered: every peer sent back what it holds; writes resume");
            foreach (var replica in _replicas.Values.Where(r => r.IsCompletedSuccessfully))
            {
                // Its own events still waiting here follow one no peer held: they can never apply, anywhere.
                replica.Result.Replica.DropWaiting(Name);

                // Apologies owed while writes were refused are appended now.
                replica.Result.Apologise();
            }

            await CatchUpDerivedAsync();
        }
    }

    /// <summary>Every event this region holds, of any origin (the asker's own included), beyond <paramref name="versions"/>.</summary>
    private async Task<IReadOnlyList<EventEnvelope>> BeyondAsync(string asker, IReadOnlyDictionary<string, VersionVector> versions)
    {
        var events = new List<EventEnvelope>(await TailRecovery.BeyondAsync(
            Store,
            await Store.ListEntitiesAsync(null, int.MaxValue),
            entity => versions.TryGetValue(entity, out var v) ? v : VersionVector.Empty,
            CancellationToken.None));

        // And what waits in causal buffers here: the asker may have lost it too, and it may apply here later.
        foreach (var replica in _replicas.Values.Where(r => r.IsCompletedSuccessfully))
        {
            var theirs = versions.TryGetValue(replica.Result.EntityId, out var v) ? v : VersionVector.Empty;
            var waiting = replica.Result.Replica.Waiting.Where(e => e.Origin != asker).Concat(replica.Result.Replica.HandBackWaiting(asker));
            events.AddRange(waiting.Where(e => e.Seq > theirs[e.Origin]));
        }

        return events;
    }
}
