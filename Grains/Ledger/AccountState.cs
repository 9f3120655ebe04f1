using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Ledger;

/// <summary>
/// An account folded from its log. Each request id counts once: when the same id reached the log
/// through two origins, the event with the smaller (HLC, origin) wins and the other is void, so the
/// state is a function of the set of events and not of the order they arrived in.
/// </summary>
internal sealed class AccountState : IReplicaFold
{
    private readonly Dictionary<string, RequestRecord> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChainHead> _heads = new(StringComparer.Ordinal);

    public long Position { get; private set; }

    public VersionVector Version { get; private set; } = VersionVector.Empty;

    public LedgerTotals Totals { get; private set; }

    public long Balance => Totals.Balance;

    public HlcTimestamp? LastActivity { get; private set; }

    /// <summary>Overdraft apologies in the log (a function of the event set).</summary>
    public int Apologies { get; private set; }

    /// <summary>An apology covers the current overdraft (log order: set by an apology, cleared at balance >= 0).</summary>
    public bool OverdraftOpen { get; private set; }

    /// <summary>Debits applied since the balance was last at zero or above, in log order (at most 32).</summary>
    public IReadOnlyList<EventId> RecentDebits => _recentDebits;

    /// <summary>Overdrawn after an apology: optimistic debits are refused. A function of the event set, so every region agrees.</summary>
    public bool Frozen => Apologies > 0 && Balance < 0;

    private readonly List<EventId> _recentDebits = [];

    // The last debits applied, with their causal past, to name every concurrent debit behind an overdraft.
    private readonly Queue<(EventId Id, VersionVector Deps)> _debitWindow = new();

    public static AccountState FromSnapshot(AccountSnapshot snapshot)
    {
        var state = new AccountState
        {
            Position = snapshot.Position,
            Version = snapshot.Version,
            Totals = snapshot.Totals,
            LastActivity = snapshot.LastActivity,
        };
        foreach (var head in snapshot.Heads)
        {
            state._heads[head.Origin] = head;
        }

        foreach (var request in snapshot.Requests)
        {
            state._requests[request.RequestId] = request;
        }

        if (snapshot.Overdraft is { } overdraft)
        {
            state.Apologies = overdraft.Apologies;
            state.OverdraftOpen = overdraft.Open;
            state._recentDebits.AddRange(overdraft.RecentDebits);
        }

        return state;
    }

    public AccountSnapshot ToSnapshot() => new(
        Position,
        Version,
        [.. _heads.Values.OrderBy(h => h.Origin, StringComparer.Ordinal)],
        Totals,
        LastActivity,
        [.. _requests.Values.OrderBy(r => r.RequestId, StringComparer.Ordinal)],
        new OverdraftTracking(Apologies, OverdraftOpen, [.. _recentDebits]));

    /// <summary>The head of every origin's chain.</summary>
    public IEnumerable<KeyValuePair<string, (long Seq, ChainHash Hash)>> Heads =>
        _heads.Select(h => new KeyValuePair<string, (long Seq, ChainHash Hash)>(h.Key, (h.Value.Seq, h.Value.Hash)));

    public bool TryGetRequest(string requestId, out RequestRecord record) => _requests.TryGetValue(requestId, out record!);

    /// <summary>The head of <paramref name="origin"/>'s chain: seq 0 and the genesis hash when nothing from it was applied.</summary>
    public (long Seq, ChainHash Hash) HeadOf(string origin) =>
        _heads.TryGetValue(origin, out var head) ? (head.Seq, head.Hash) : (0, ChainHash.Genesis);

    /// <summary>Folds the next event of the log into the state.</summary>
    /// <exception cref="InvalidOperationException">The event is not the next position or breaks its origin's chain.</exception>
    public ApplyOutcome Apply(LoggedEvent logged)
    {
        var e = logged.Event;
        if (logged.Position != Position + 1)
        {
            throw new InvalidOperationException($"Event {e.Id} is at position {logged.Position}, but the state is at {Position}.");
        }

        var (seq, hash) = HeadOf(e.Origin);
        if (e.Seq != seq + 1 || e.PrevHash != hash)
        {
            throw new InvalidOperationException($"Event {e.Id} does not continue origin '{e.Origin}' after seq {seq}.");
        }

        _heads[e.Origin] = new ChainHead(e.Origin, e.Seq, e.Hash);
        Version = Version.With(e.Origin, e.Seq);
        Position = logged.Position;
        if (LastActivity is null || e.Hlc > LastActivity)
        {
            LastActivity = e.Hlc;
        }

        var outcome = Fold(new RequestRecord(e.RequestId, e.Id, logged.Position, e.Hlc, e.Payload));
        TrackOverdraft(e, outcome);
        return outcome;
    }

    private ApplyOutcome Fold(RequestRecord record)
    {
        if (_requests.TryGetValue(record.RequestId, out var existing))
        {
            if (record.Hlc >= existing.Hlc)
            {
                return ApplyOutcome.Void;
            }

            Totals = Totals - LedgerTotals.EffectOf(existing.Payload) + LedgerTotals.EffectOf(record.Payload);
            _requests[record.RequestId] = record;
            return ApplyOutcome.Superseded;
        }

        _requests[record.RequestId] = record;
        Totals += LedgerTotals.EffectOf(record.Payload);
        if (record.Payload is Interfaces.Ledger.OverdraftApology)
        {
            Apologies++;
        }

        return ApplyOutcome.Applied;
    }

    private void TrackOverdraft(EventEnvelope e, ApplyOutcome outcome)
    {
        var isDebit = outcome != ApplyOutcome.Void && e.Payload is Interfaces.Ledger.Debited or Interfaces.Ledger.PaidOut;
        if (Balance >= 0)
        {
            OverdraftOpen = false;
            _recentDebits.Clear();
        }
        else if (isDebit && _recentDebits.Count < 32)
        {
            if (_recentDebits.Count == 0)
            {
                // The debit that crossed zero, and every earlier debit it did not know of, caused it together.
                _recentDebits.AddRange(_debitWindow.Where(d => IsConcurrent(d, (e.Id, e.Deps))).Select(d => d.Id).Take(31));
            }

            _recentDebits.Add(e.Id);
        }

        if (isDebit)
        {
            _debitWindow.Enqueue((e.Id, e.Deps));
            if (_debitWindow.Count > 32)
            {
                _debitWindow.Dequeue();
            }
        }

        if (e.Payload is Interfaces.Ledger.OverdraftApology)
        {
            OverdraftOpen = true;
        }
    }

    private static bool IsConcurrent((EventId Id, VersionVector Deps) a, (EventId Id, VersionVector Deps) b) =>
        b.Deps[a.Id.Origin] < a.Id.Seq && a.Deps[b.Id.Origin] < b.Id.Seq;

    /// <summary>
    /// The replicated state in canonical bytes: totals, version, chain heads and the winning event of
    /// each request, all sorted. Region-local positions are left out, so two replicas that applied the same
    /// events encode identically whatever order they applied them in.
    /// </summary>
    public byte[] CanonicalState()
    {
        var writer = new CanonicalWriter(256);
        writer.WriteInt64(Totals.Deposited);
        writer.WriteInt64(Totals.Credited);
        writer.WriteInt64(Totals.Debited);
        writer.WriteInt64(Totals.PaidOut);
        writer.WriteInt32(Apologies);
        writer.WriteInt32(_heads.Count);
        foreach (var head in _heads.Values.OrderBy(h => h.Origin, StringComparer.Ordinal))
        {
            writer.WriteString(head.Origin);
            writer.WriteInt64(head.Seq);
            writer.WriteHash(head.Hash);
        }

        writer.WriteInt32(_requests.Count);
        foreach (var request in _requests.Values.OrderBy(r => r.RequestId, StringComparer.Ordinal))
        {
            writer.WriteString(request.RequestId);
            writer.WriteString(request.EventId.Origin);
            writer.WriteInt64(request.EventId.Seq);
        }

        return writer.ToArray();
    }
}

internal enum ApplyOutcome
{
    /// <summary>The event took effect.</summary>
    Applied,

    /// <summary>The event took effect in place of an earlier-applied event with the same request id.</summary>
    Superseded,

    /// <summary>The event's request id already took effect through a winning event; this one has no effect.</summary>
    Void,
}
