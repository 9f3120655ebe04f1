using Concord.Grains.Events;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Replication;

/// <summary>What a replica's fold exposes about its chains: enough to extend them and to check remote events.</summary>
internal interface IReplicaFold
{
    VersionVector Version { get; }

    (long Seq, ChainHash Hash) HeadOf(string origin);

    IEnumerable<KeyValuePair<string, (long Seq, ChainHash Hash)>> Heads { get; }
}

/// <summary>
/// The domain-free half of an entity replica: sealing this region's events onto its chain, and taking
/// other regions' events in causal order through a bounded buffer. Heads and version include events staged
/// for the group commit but not yet durable, so staging never forks a chain. Used from a grain's scheduler.
/// </summary>
/// <remarks>
/// <paramref name="localWritesRefused"/>, when given, names why this region may not append events of its own origin
/// now (a region that lost its tail takes it back from its peers first, so that it never reuses a sequence number).
/// </remarks>
internal sealed class EntityReplica(string entityId, string region, HybridLogicalClock clock, Func<GroupCommitLog> log, Func<IReplicaFold> fold, Action<EventEnvelope>? onStaged = null, Func<string?>? localWritesRefused = null)
{
    public const int MaxBuffered = 10_000;

    private readonly Dictionary<string, (long Seq, ChainHash Hash)> _stagedHeads = new(StringComparer.Ordinal);
    private readonly CausalBuffer _buffer = new();
    private readonly SortedDictionary<(string Origin, long Seq), EventEnvelope> _handedBack = new(HandedBackOrder.Instance);

    public int Buffered => _buffer.Count;

    /// <summary>Events received but not yet applicable (their causal past has not arrived).</summary>
    public IEnumerable<EventEnvelope> Waiting => _buffer.Waiting;

    /// <summary>Drops the waiting events of <paramref name="origin"/>: a region that lost commits takes them back and ships them again.</summary>
    public void DropWaiting(string origin) => _buffer.DropOrigin(origin);

    /// <summary>How many events this replica keeps for regions that lost commits (see <see cref="HandBackWaiting"/>).</summary>
    public int HandedBack => _handedBack.Count;

    /// <summary>
    /// Takes the waiting events of <paramref name="origin"/>, a region that lost its last commits and asks for them back,
    /// out of the buffer (applied here, an old event would fork the chain that region is about to continue), and returns
    /// them with every one handed back before: an answer can be lost, so each ask gets them all again. They are kept,
    /// never applied, while they may still extend this replica's chain of that origin: one it reached (the region took
    /// it back and shipped it again) or one that no longer follows it (the region wrote that sequence anew, finding 5)
    /// is forgotten at the next ask. This region's own waiting events (it recovered itself) are only dropped.
    /// </summary>
    public IReadOnlyList<EventEnvelope> HandBackWaiting(string origin)
    {
        List<EventEnvelope> waiting = [.. _buffer.Waiting.Where(e => string.Equals(e.Origin, origin, StringComparison.Ordinal))];
        _buffer.DropOrigin(origin);
        if (string.Equals(origin, region, StringComparison.Ordinal))
        {
            return waiting;
        }

        foreach (var e in waiting)
        {
            // The copy that arrived last is the one handed back.
            _handedBack[(e.Origin, e.Seq)] = e;
        }

        var (seq, hash) = fold().HeadOf(origin);
        var dead = new HashSet<ChainHash>();
        foreach (var e in _handedBack.Values.Where(e => string.Equals(e.Origin, origin, StringComparison.Ordinal)).ToList())
        {
            var extends = e.Seq == seq + 1 && e.PrevHash == hash;
            if (e.Seq <= seq || (e.Seq == seq + 1 && !extends) || dead.Contains(e.PrevHash))
            {
                dead.Add(e.Hash);
                _handedBack.Remove((e.Origin, e.Seq));
            }
            else if (extends)
            {
                (seq, hash) = (e.Seq, e.Hash);
            }
        }

        return [.. _handedBack.Values.Where(e => string.Equals(e.Origin, origin, StringComparison.Ordinal))];
    }

    /// <summary>Per origin, the highest event received but not yet applicable.</summary>
    public VersionVector HighestWaiting() => _buffer.HighestWaiting();

    public (long Seq, ChainHash Hash) EffectiveHead(string origin)
    {
        var durable = fold().HeadOf(origin);
        return _stagedHeads.TryGetValue(origin, out var staged) && staged.Seq > durable.Seq ? staged : durable;
    }

    /// <summary>The version including events staged for the log but not yet durable.</summary>
    public VersionVector EffectiveVersion()
    {
        var version = fold().Version;
        foreach (var (origin, staged) in _stagedHeads)
        {
            version = version.With(origin, staged.Seq);
        }

        return version;
    }

    /// <summary>
    /// Throws the retryable <see cref="Interfaces.Errors.StorageUnavailableException"/> while this region takes no writes of
    /// its own: before an event is sealed, and before a command is decided at all (<c>EntityStateMachine.BeginDecision</c>).
    /// </summary>
    public void ThrowIfLocalWritesRefused()
    {
        if (localWritesRefused?.Invoke() is { } why)
        {
            throw new Interfaces.Errors.StorageUnavailableException(entityId, $"'{region}' takes no writes of '{entityId}' now: {why}. Retry with the same request id, here later or in another region.");
        }
    }

    /// <summary>Seals an event of this region's origin, chained after everything staged, and stages it.</summary>
    public Task<LoggedEvent> StageLocalAsync(string requestId, EventPayload payload)
    {
        ThrowIfLocalWritesRefused();

        var (seq, prevHash) = EffectiveHead(region);
        var envelope = EventCodec.Seal(new EventId(entityId, region, seq + 1), requestId, clock.Now(), EffectiveVersion(), payload, prevHash);
        _stagedHeads[region] = (envelope.Seq, envelope.Hash);
        onStaged?.Invoke(envelope);
        return log().AppendAsync(envelope);
    }

    /// <summary>Called for each event as it becomes durable and folded.</summary>
    public void OnCommitted(EventEnvelope e)
    {
        if (_stagedHeads.TryGetValue(e.Origin, out var staged) && staged.Seq <= e.Seq)
        {
            _stagedHeads.Remove(e.Origin);
        }
    }

    /// <summary>
    /// Checks remote events (entity, hash), buffers them, and stages every one that is now applicable, in
    /// causal order. Completes when those are durable. Copies of held events are ignored, and counted.
    /// </summary>
    public async Task<(int Rejected, int Dropped, int Copies)> ApplyRemoteAsync(IEnumerable<EventEnvelope> events)
    {
        var rejected = 0;
        var copies = 0;
        foreach (var e in events)
        {
            // Copies of held events are the common case under at-least-once delivery: skip them before hashing.
            // New events are hashed here even though the inbox checked the batch: this grain trusts no caller.
            if (string.Equals(e.EntityId, entityId, StringComparison.Ordinal) && e.Seq <= EffectiveHead(e.Origin).Seq)
            {
                copies++;
                continue;
            }

            if (!string.Equals(e.EntityId, entityId, StringComparison.Ordinal) || (!EventCodec.HasValidHash(e) && !Diagnostics.PlantedBugs.TrustRemoteChains))
            {
                rejected++;
            }
            else
            {
                _buffer.Add(e);
            }
        }

        var heads = fold().Heads.ToDictionary(StringComparer.Ordinal);
        foreach (var origin in _stagedHeads.Keys)
        {
            heads[origin] = EffectiveHead(origin);
        }

        var ready = _buffer.TakeReady(heads, EffectiveVersion(), out var broken);
        var dropped = 0;
        if (_buffer.Count > MaxBuffered)
        {
            // Anti-entropy resends whatever is dropped here; memory stays bounded.
            dropped = _buffer.Count;
            _buffer.Clear();
        }

        var appends = new List<Task<LoggedEvent>>(ready.Count);
        foreach (var e in ready)
        {
            clock.Observe(e.Hlc);
            _stagedHeads[e.Origin] = (e.Seq, e.Hash);
            onStaged?.Invoke(e);
            appends.Add(log().AppendAsync(e));
        }

        await Task.WhenAll(appends);
        return (rejected + broken, dropped, copies);
    }
}

/// <summary>Handed-back events by origin (ordinal), then sequence: one order in every run.</summary>
file sealed class HandedBackOrder : IComparer<(string Origin, long Seq)>
{
    public static readonly HandedBackOrder Instance = new();

    public int Compare((string Origin, long Seq) x, (string Origin, long Seq) y)
    {
        var byOrigin = string.CompareOrdinal(x.Origin, y.Origin);
        return byOrigin != 0 ? byOrigin : x.Seq.CompareTo(y.Seq);
    }
}
