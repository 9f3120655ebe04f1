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

    /// <summary>What a claim records where the primary cannot be reached: a tentative claim for an optimistic one, nothing for a strict one.</summary>
    public static object? WhenPrimaryUnreachable(ClaimHandleCommand claim) =>
        claim.Mode == ConsistencyMode.Optimistic ? new ClaimTentatively(claim.Account) : null;

    /// <summary>
    /// A release of a handle held by <paramref name="owner"/>: nothing for a free handle, the release for the account it
    /// names, <see cref="HandleTakenException"/> for another holder. One rule for the handle's state and, at home, the
    /// ownership record.
    /// </summary>
    public static HandleReleased? Release(string handle, string? owner, ReleaseHandle release) => owner switch
    {
        null => null,
        _ when string.Equals(owner, release.Account, StringComparison.Ordinal) => new HandleReleased(owner),
        _ => throw new HandleTakenException(handle, owner),
    };

    /// <summary>The rules on this handle's own state; the grain adds the ownership record's transaction at home.</summary>
    public override object? Decide(HandleState state, object command, CommandContext context) => command switch
    {
        ClaimHandleCommand claim when state.Owner is { } owner && !string.Equals(owner, claim.Account, StringComparison.Ordinal) =>
            throw new HandleTakenException(context.Key, owner),
        ClaimHandleCommand claim => new HandleBound(claim.Account, context.RequestId),
        ClaimTentatively claim => new HandleClaimTentative(claim.Account),
        ReleaseHandle release => Release(context.Key, state.Owner, release),
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
            return !state.Claims.TryGetValue(e.RequestId, out var known)
                ? state with { Claims = state.Claims.Add(e.RequestId, new TentativeClaim(tentative.Account, e.Hlc, ClaimStatus.Pending)) }
                : known.HasArrived ? state : state with { Claims = state.Claims.SetItem(e.RequestId, known with { Hlc = e.Hlc }) };
        }

        if (!string.Equals(e.Origin, primary, StringComparison.Ordinal))
        {
            // Bindings count only from the primary's chain, which every region applies in the same order.
            return state;
        }

        return payload switch
        {
            HandleBound bound => Bind(state, bound, resolvesClaim: !string.Equals(e.RequestId, bound.ClaimRequestId, StringComparison.Ordinal)),
            HandleReleased => state with { Owner = null, OwnerClaimId = null },
            HandleClaimRejected rejected => Decided(state, rejected.ClaimRequestId, rejected.Account, ClaimStatus.Rejected),
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

    /// <param name="resolvesClaim">
    /// Whether the binding decides a tentative claim (appended under another request id than the claim's), rather
    /// than a strict claim, a rename or a recovery (appended under the binding's own).
    /// </param>
    private static HandleState Bind(HandleState state, HandleBound bound, bool resolvesClaim)
    {
        var displaced = state.Owner is { } previous && !string.Equals(previous, bound.Account, StringComparison.Ordinal) && state.OwnerClaimId is { } previousClaim
            ? Mark(state, previousClaim, ClaimStatus.Displaced, bound.Account)
            : state;
        var claimId = string.Equals(state.Owner, bound.Account, StringComparison.Ordinal) && state.OwnerClaimId is { } current && Protects(state, current, bound.ClaimRequestId)
            ? current
            : bound.ClaimRequestId;
        var marked = resolvesClaim ? Decided(displaced, bound.ClaimRequestId, bound.Account, ClaimStatus.Bound) : Mark(displaced, bound.ClaimRequestId, ClaimStatus.Bound, null);
        return marked with { Owner = bound.Account, OwnerClaimId = claimId };
    }

    /// <summary>
    /// Whether the owner's <paramref name="current"/> claim guards the binding at least as well as its new one: a strict
    /// claim (never displaced) beats any tentative one, an older tentative claim beats a younger. The owner claiming
    /// again must never weaken the binding: a tentative re-claim once made a strict binding displaceable.
    /// </summary>
    private static bool Protects(HandleState state, string current, string candidate) =>
        !state.Claims.TryGetValue(current, out var held)
        || (state.Claims.TryGetValue(candidate, out var claimed) && held.Hlc <= claimed.Hlc);

    /// <summary>
    /// The primary's decision on a tentative claim. The claim may not be here yet: when two regions recorded it under one
    /// request id, the decision may have followed the copy that lost the request id to the other, which arrives later.
    /// The decision is kept until then, so the fold is the same whichever copy came first.
    /// </summary>
    private static HandleState Decided(HandleState state, string claimId, string account, ClaimStatus status) =>
        state.Claims.ContainsKey(claimId)
            ? Mark(state, claimId, status, null)
            : state with { Claims = state.Claims.Add(claimId, new TentativeClaim(account, TentativeClaim.NotArrived, status)) };

    private static HandleState Mark(HandleState state, string claimId, ClaimStatus status, string? lostTo) =>
        state.Claims.TryGetValue(claimId, out var claim) && claim.Status < status
            ? state with { Claims = state.Claims.SetItem(claimId, claim with { Status = status, LostTo = lostTo }) }
            : state;
}

/// <summary>An optimistic claim, recorded where the primary could not be reached and decided there later.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.claim-tentatively")]
internal sealed record ClaimTentatively([property: Id(0)] string Account);

/// <summary>Frees the handle from <see cref="Account"/>; refused while another account holds it.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.release-from-command")]
internal sealed record ReleaseHandle([property: Id(0)] string Account);

/// <summary>At the primary: binds a pending tentative claim, if it may still win.</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.resolve-claim")]
internal sealed record ResolveClaim([property: Id(0)] string ClaimRequestId)
{
    /// <summary>The purpose of the derived request id a resolution is appended under (<c>decide/CLAIM</c>).</summary>
    public const string Purpose = "decide";
}

/// <summary>At the primary: appends a binding an ownership transaction already made (a rename's other half, or a recovery).</summary>
[GenerateSerializer, Immutable, Alias("concord.handles.adopt-binding")]
internal sealed record AdoptBinding([property: Id(0)] EventPayload Binding);
