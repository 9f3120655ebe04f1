using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;

namespace Concord.Grains.Handles;

/// <summary>
/// Unique handles as a replicated entity type. Claims, releases and renames are strict: the primary region decides
/// them, and <see cref="HandleGrain"/> makes each binding in an Orleans transaction on the handle's ownership record
/// before it is appended. A claim made while the primary is unreachable may be recorded as tentative instead; the
/// primary binds the oldest tentative claim, and every claim that lost is owed exactly one rejection.
/// </summary>
internal sealed class HandleType(string primary) : ReplicatedEntityType<HandleState>
{
    public const string TypeName = "handle";

    public override string Name => TypeName;

    public override HandleState Initial => HandleState.Empty;

    public override void RegisterPayloads(PayloadTypes payloads) => payloads
        .AddEncoded<HandleBound>(HandleBound.KindName)
        .AddEncoded<HandleReleased>(HandleReleased.KindName)
        .AddEncoded<HandleClaimTentative>(HandleClaimTentative.KindName)
        .AddEncoded<HandleClaimRejected>(HandleClaimRejected.KindName);

    public override string HomeRegionOf(string key, IReadOnlyList<string> regions) => primary;

    public override ConsistencyMode ModeOf(object command) =>
        command is ClaimTentatively ? ConsistencyMode.Optimistic : ConsistencyMode.Strict;

    /// <summary>The rules on this handle's own state; the grain adds the ownership record's transaction at home.</summary>
    public override object? Decide(HandleState state, object command, CommandContext context) => command switch
    {
        ClaimHandleCommand claim when state.Owner is { } owner && !string.Equals(owner, claim.Account, StringComparison.Ordinal) =>
            throw new HandleTakenException(context.Key, owner),
        ClaimHandleCommand claim => new HandleBound(claim.Account, context.RequestId),
        ClaimTentatively claim => new HandleClaimTentative(claim.Account),
        ReleaseHandle => state.Owner is { } owner ? new HandleReleased(owner) : null,
        ResolveClaim resolve when state.Claims.TryGetValue(resolve.ClaimRequestId, out var claim) && claim.Status == ClaimStatus.Pending && state.IsBindable(claim) =>
            new HandleBound(claim.Account, resolve.ClaimRequestId),
        ResolveClaim => null,
        AdoptBinding adopt => adopt.Binding,
        _ => throw new InvalidRequestException("command", $"A handle has no command {command.GetType().Name} decided without the primary's transaction."),
    };

    public override HandleState Apply(HandleState state, object payload, EventContext e)
    {
        if (payload is HandleClaimTentative tentative)
        {
            return state.Claims.ContainsKey(e.RequestId) ? state : state with { Claims = state.Claims.Add(e.RequestId, new TentativeClaim(tentative.Account, e.Hlc, ClaimStatus.Pending)) };
        }

        if (!string.Equals(e.Origin, primary, StringComparison.Ordinal))
        {
            // Bindings count only from the primary's chain, which every region applies in the same order.
            return state;
        }

        return payload switch
        {
            HandleBound bound => Bind(state, bound),
            HandleReleased => state with { Owner = null, OwnerClaimId = null },
            HandleClaimRejected rejected => Mark(state, rejected.ClaimRequestId, ClaimStatus.Rejected, null),
            _ => state,
        };
    }

    /// <summary>At the primary: one rejection for every tentative claim that lost, whether it never won or was displaced.</summary>
    public override IEnumerable<Apology> OwedApologies(HandleState state)
    {
        foreach (var (id, claim) in state.Claims.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var winner = claim.Status switch
            {
                ClaimStatus.Displaced => claim.LostTo,
                ClaimStatus.Pending when !state.IsBindable(claim) => state.Owner,
                _ => null,
            };
            if (winner is not null)
            {
                yield return new Apology($"rejected:{id}", new HandleClaimRejected(claim.Account, id, winner));
            }
        }
    }

    private static HandleState Bind(HandleState state, HandleBound bound)
    {
        var displaced = state.Owner is { } previous && !string.Equals(previous, bound.Account, StringComparison.Ordinal) && state.OwnerClaimId is { } previousClaim
            ? Mark(state, previousClaim, ClaimStatus.Displaced, bound.Account)
            : state;
        return Mark(displaced, bound.ClaimRequestId, ClaimStatus.Bound, null) with { Owner = bound.Account, OwnerClaimId = bound.ClaimRequestId };
    }

    private static HandleState Mark(HandleState state, string claimId, ClaimStatus status, string? lostTo) =>
        state.Claims.TryGetValue(claimId, out var claim) && claim.Status < status
            ? state with { Claims = state.Claims.SetItem(claimId, claim with { Status = status, LostTo = lostTo }) }
            : state;
}

/// <summary>An optimistic claim, recorded where the primary could not be reached and decided there later.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.claim-tentatively")]
internal sealed record ClaimTentatively([property: Id(0)] string Account);

[GenerateSerializer, Immutable, Alias("concord.handles.release-command")]
internal sealed record ReleaseHandle;

/// <summary>At the primary: binds a pending tentative claim, if it may still win.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.resolve-claim")]
internal sealed record ResolveClaim([property: Id(0)] string ClaimRequestId);

/// <summary>At the primary: appends a binding an ownership transaction already made (a rename's other half, or a recovery).</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.adopt-binding")]
internal sealed record AdoptBinding([property: Id(0)] EventPayload Binding);
