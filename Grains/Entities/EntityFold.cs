using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Entities;

/// <summary>A state folded from an entity's events: the entity type's own state, or one of its views.</summary>
internal interface IStateFold<TState>
{
    TState Initial { get; }

    TState Apply(TState state, object payload, EventContext context);
}

/// <summary>
/// An entity's state as a fold of its log in this region's order, with the chain heads, the version and the
/// request ids it has seen. A request id takes effect once: of two events carrying it (a client that retried in
/// another region), the earlier by (HLC, origin) wins and the other is void. When a winner arrives after its
/// loser was folded, <see cref="Apply"/> says so and the owner refolds from the log (rare: a cross-region retry).
/// </summary>
internal sealed class EntityFold<TState>(IStateFold<TState> type, PayloadTypes payloads, string entityId) : IReplicaFold
    where TState : class
{
    private readonly Dictionary<string, (long Seq, ChainHash Hash)> _heads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (EventId Id, HlcTimestamp Hlc, long Position)> _requests = new(StringComparer.Ordinal);

    // Payloads decoded to speculate on staged events, kept so that folding them once durable does not decode again.
    private readonly Dictionary<EventId, object> _decoded = [];

    public TState State { get; private set; } = type.Initial;

    public long Position { get; private set; }

    public VersionVector Version { get; private set; } = VersionVector.Empty;

    public IEnumerable<KeyValuePair<string, (long Seq, ChainHash Hash)>> Heads => _heads;

    public (long Seq, ChainHash Hash) HeadOf(string origin) => _heads.TryGetValue(origin, out var head) ? head : (0, ChainHash.Genesis);

    public bool TryGetRequest(string requestId, out (EventId Id, HlcTimestamp Hlc, long Position) winner) => _requests.TryGetValue(requestId, out winner);

    /// <summary>Folds a whole log: winners of every request id first, then the fold over winners only.</summary>
    public static EntityFold<TState> Of(IStateFold<TState> type, PayloadTypes payloads, string entityId, IReadOnlyList<LoggedEvent> log)
    {
        // The winner is an event, not a timestamp: of two events with one request id and equal HLCs (possible only
        // within one origin, which never reuses either), the first in the log wins, as it does when folding one by one.
        var winners = new Dictionary<string, (HlcTimestamp Hlc, EventId Id)>(StringComparer.Ordinal);
        foreach (var logged in log)
        {
            if (!winners.TryGetValue(logged.Event.RequestId, out var best) || logged.Event.Hlc < best.Hlc)
            {
                winners[logged.Event.RequestId] = (logged.Event.Hlc, logged.Event.Id);
            }
        }

        var fold = new EntityFold<TState>(type, payloads, entityId);
        foreach (var logged in log)
        {
            fold.Track(logged);
            if (winners[logged.Event.RequestId].Id == logged.Event.Id || Diagnostics.PlantedBugs.ForgetRequestIds)
            {
                fold.FoldPayload(logged.Event);
            }
        }

        return fold;
    }

    public EntitySnapshot ToSnapshot() => new()
    {
        Position = Position,
        Heads = [.. _heads.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new Interfaces.Replication.OriginHead(h.Key, h.Value.Seq, h.Value.Hash))],
        Requests = [.. _requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RequestWinner(r.Key, r.Value.Id, r.Value.Hlc, r.Value.Position))],
        State = PayloadTypes.CanonicalOf(State),
    };

    /// <summary>
    /// The fold a snapshot describes, or null when its state does not read back to the same canonical JSON (the
    /// state type changed, or is not round-trippable): then the owner folds from the log, which is the truth.
    /// </summary>
    public static EntityFold<TState>? FromSnapshot(IStateFold<TState> type, PayloadTypes payloads, string entityId, EntitySnapshot snapshot)
    {
        TState state;
        try
        {
            state = PayloadTypes.StateOf<TState>(snapshot.State);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        if (!string.Equals(PayloadTypes.CanonicalOf(state), snapshot.State, StringComparison.Ordinal))
        {
            return null;
        }

        var fold = new EntityFold<TState>(type, payloads, entityId) { State = state, Position = snapshot.Position };
        foreach (var head in snapshot.Heads)
        {
            fold._heads[head.Origin] = (head.Seq, head.Hash);
            fold.Version = fold.Version.With(head.Origin, head.Seq);
        }

        foreach (var request in snapshot.Requests)
        {
            fold._requests[request.RequestId] = (request.Event, request.Hlc, request.Position);
        }

        return fold;
    }

    /// <summary>Folds the next event; false when it outranks an event already folded, so the state must be refolded.</summary>
    public bool Apply(LoggedEvent logged)
    {
        var e = logged.Event;
        var supersedes = _requests.TryGetValue(e.RequestId, out var existing) && e.Hlc < existing.Hlc;
        var isVoid = _requests.ContainsKey(e.RequestId) && !supersedes && !Diagnostics.PlantedBugs.ForgetRequestIds;
        Track(logged);
        if (supersedes && !Diagnostics.PlantedBugs.ForgetRequestIds)
        {
            return false;
        }

        if (!isVoid)
        {
            FoldPayload(e);
        }

        return true;
    }

    /// <summary>The state after <paramref name="e"/>, without recording it: used to decide against staged events.</summary>
    public TState Speculate(TState state, EventEnvelope e)
    {
        if (_requests.ContainsKey(e.RequestId) && !Diagnostics.PlantedBugs.ForgetRequestIds)
        {
            return state;
        }

        var payload = Decode(e);
        _decoded[e.Id] = payload;
        return type.Apply(state, payload, ContextOf(e));
    }

    /// <summary>Decodes an event's payload to its current-version C# value; refuses kinds this type does not declare.</summary>
    public object Decode(EventEnvelope e) => payloads.ValueOf(e.Payload, entityId);

    private void Track(LoggedEvent logged)
    {
        var e = logged.Event;
        if (logged.Position != Position + 1 || !string.Equals(e.EntityId, entityId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Event {e.Id} is at position {logged.Position} of '{e.EntityId}', but the fold of '{entityId}' is at {Position}.");
        }

        var (seq, hash) = HeadOf(e.Origin);
        if (e.Seq != seq + 1 || e.PrevHash != hash)
        {
            throw new InvalidOperationException($"Event {e.Id} does not continue origin '{e.Origin}' after seq {seq}.");
        }

        _heads[e.Origin] = (e.Seq, e.Hash);
        Version = Version.With(e.Origin, e.Seq);
        if (_requests.ContainsKey(e.RequestId))
        {
            // A void event is never folded: drop what speculation decoded for it.
            _decoded.Remove(e.Id);
        }

        Position = logged.Position;
        if (!_requests.TryGetValue(e.RequestId, out var existing) || e.Hlc < existing.Hlc)
        {
            _requests[e.RequestId] = (e.Id, e.Hlc, logged.Position);
        }
    }

    private void FoldPayload(EventEnvelope e) => State = type.Apply(State, _decoded.Remove(e.Id, out var payload) ? payload : Decode(e), ContextOf(e));

    private static EventContext ContextOf(EventEnvelope e) => new(e.Id, e.RequestId, e.Hlc, e.Deps);
}
