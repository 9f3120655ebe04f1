using System.Collections.Immutable;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;

namespace Concord.Grains.Replication;

/// <summary>
/// The host-free halves of bringing a session's dependencies to a region that lacks them (docs/semantics.md#sessions):
/// the peer's half reads what it holds beyond the asker of the origins the session is ahead on; the asker's half
/// decides which of the returned events it may apply. Events of the answering peer's own origin come over the
/// authenticated link like any batch; events the peer relays for a third origin are applied only along a chain that
/// ends at a head that origin signed (a <see cref="SignedHead"/> brought with them, or the origin's newest checkpoint):
/// the rule relayed repairs follow, so a session never lets a peer speak for another region.
/// </summary>
internal static class SessionCatchUps
{
    /// <summary>What <paramref name="store"/> holds of <paramref name="entityId"/> beyond <paramref name="held"/>, of each origin <paramref name="required"/> is ahead of it on.</summary>
    public static async Task<IReadOnlyList<EventEnvelope>> AheadAsync(
        IEventLogStore store,
        string entityId,
        VersionVector held,
        VersionVector required,
        CancellationToken cancellationToken)
    {
        var events = new List<EventEnvelope>();
        foreach (var head in await store.GetHeadsAsync(entityId, cancellationToken))
        {
            if (required[head.Origin] > held[head.Origin] && head.Seq > held[head.Origin])
            {
                var ahead = await store.ReadOriginAsync(entityId, head.Origin, held[head.Origin] + 1, int.MaxValue, cancellationToken);
                events.AddRange(ahead.Select(l => l.Event));
            }
        }

        return events;
    }

    /// <summary>
    /// The events of <paramref name="answer"/> (from <paramref name="peer"/>) this region may apply: intact ones of the
    /// peer's origin, and relayed chains up to a signed head. With no deployment keys (<paramref name="signer"/> cannot
    /// verify) relayed events are taken on the link's word, as relayed repairs are. <paramref name="checkpointHeads"/> gives
    /// the heads of origins' newest checkpoints, for relayed chains the peer brought no signed head for.
    /// </summary>
    public static async Task<IReadOnlyList<EventEnvelope>> AcceptAsync(
        string peer,
        SessionCatchUp answer,
        CheckpointSigner signer,
        RelayVerification.SignedHeadLookup checkpointHeads,
        Func<string, Task<IReadOnlyList<OriginHead>>> heldHeads)
    {
        var intact = answer.Events.IsDefault ? [] : answer.Events.Where(EventCodec.HasValidHash).ToList();
        if (!signer.CanVerify)
        {
            return intact;
        }

        var signed = (answer.Heads.IsDefault ? ImmutableArray<SignedHead>.Empty : answer.Heads)
            .Where(signer.Verify)
            .ToDictionary(h => (h.Signer, h.EntityId), h => (h.Seq, h.Hash));
        var relayed = await RelayVerification.AcceptAsync(
            intact.Where(e => !string.Equals(e.Origin, peer, StringComparison.Ordinal)),
            (string origin, string entityId, out (long Seq, ChainHash Hash) head) =>
                signed.TryGetValue((origin, entityId), out head) || checkpointHeads(origin, entityId, out head),
            heldHeads);
        return [.. intact.Where(e => string.Equals(e.Origin, peer, StringComparison.Ordinal)), .. relayed];
    }
}
