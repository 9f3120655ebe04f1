using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Replication;

namespace Concord.Grains.Handles;

/// <summary>
/// A handle folded from its binding log. The owner is decided only by the primary region's events, which
/// every replica applies in the primary's seq order, so every region converges on the same owner. Tentative
/// claims from other regions stay pending until the primary binds or rejects them.
/// </summary>
internal sealed class HandleState(string primary) : IReplicaFold
{
    private readonly Dictionary<string, (long Seq, ChainHash Hash)> _heads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EventId> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Account, HlcTimestamp Hlc)> _tentative = new(StringComparer.Ordinal);
    private readonly HashSet<string> _decided = new(StringComparer.Ordinal);

    public long Position { get; private set; }

    public VersionVector Version { get; private set; } = VersionVector.Empty;

    public string? Owner { get; private set; }

    /// <summary>The claim the current binding decided (a client request id, or a tentative claim's id).</summary>
    public string? OwnerClaimId { get; private set; }

    public IEnumerable<KeyValuePair<string, (long Seq, ChainHash Hash)>> Heads => _heads;

    public (long Seq, ChainHash Hash) HeadOf(string origin) => _heads.TryGetValue(origin, out var head) ? head : (0, ChainHash.Genesis);

    public bool HasRequest(string requestId, out EventId eventId) => _requests.TryGetValue(requestId, out eventId!);

    /// <summary>Tentative claims the primary has not decided yet, oldest (HLC, origin) first.</summary>
    public ImmutableArray<(string ClaimRequestId, string Account, HlcTimestamp Hlc)> Pending =>
        [.. _tentative.Where(t => !_decided.Contains(t.Key)).OrderBy(t => t.Value.Hlc).Select(t => (t.Key, t.Value.Account, t.Value.Hlc))];

    /// <summary>The tentative claim behind the current binding, if the binding came from one.</summary>
    public (string ClaimRequestId, string Account, HlcTimestamp Hlc)? OwnerTentativeClaim =>
        OwnerClaimId is { } id && _tentative.TryGetValue(id, out var claim) ? (id, claim.Account, claim.Hlc) : null;

    public void Apply(LoggedEvent logged)
    {
        var e = logged.Event;
        var (seq, hash) = HeadOf(e.Origin);
        if (logged.Position != Position + 1 || e.Seq != seq + 1 || e.PrevHash != hash)
        {
            throw new InvalidOperationException($"Event {e.Id} at position {logged.Position} does not continue the log of {e.EntityId}.");
        }

        _heads[e.Origin] = (e.Seq, e.Hash);
        Version = Version.With(e.Origin, e.Seq);
        Position = logged.Position;
        _requests.TryAdd(e.RequestId, e.Id);
        var authoritative = string.Equals(e.Origin, primary, StringComparison.Ordinal);
        switch (e.Payload)
        {
            case HandleBound bound when authoritative:
                Owner = bound.Account;
                OwnerClaimId = bound.ClaimRequestId;
                _decided.Add(bound.ClaimRequestId);
                break;
            case HandleReleased when authoritative:
                Owner = null;
                OwnerClaimId = null;
                break;
            case HandleClaimRejected rejected when authoritative:
                _decided.Add(rejected.ClaimRequestId);
                break;
            case HandleClaimTentative tentative:
                _tentative.TryAdd(e.RequestId, (tentative.Account, e.Hlc));
                break;
        }
    }
}
