using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;

namespace Concord.Simulation;

/// <summary>
/// What the claims that took effect say a handle must hold at quiescence: bound only to an account that claimed it
/// (I3), to the strict claimant when a strict claim took effect (a strict binding is never displaced; only its account
/// releases it), every tentative claim decided (bound, or rejected exactly once: I6), none left that may win.
/// </summary>
internal static class HandleExpectations
{
    public static string? Check(string region, string handle, HandleState state, IEnumerable<ClientOp> ops, IReadOnlyList<LoggedEvent> log)
    {
        // A release frees exactly the account its request named, and only a release appends one.
        var requests = ops.ToDictionary(o => o.RequestId, StringComparer.Ordinal);
        foreach (var logged in log.Where(e => e.Event.Payload is HandleReleased))
        {
            var freed = ((HandleReleased)logged.Event.Payload).Account;
            if (!requests.TryGetValue(logged.Event.RequestId, out var release) || release.Kind != OpKind.ReleaseHandle || release.Subject != freed)
            {
                return $"{region}: {handle} was released from {freed} by {(release is null ? logged.Event.RequestId : release.ToString())} (I3: only a release by the holder frees it)";
            }
        }

        if (state.NextClaimToBind is { } unbound)
        {
            return $"{region}: {handle}'s tentative claim {unbound} may win, but the primary never bound it";
        }

        var applied = ops.Where(o => o.Applied).ToList();
        var claims = applied.Where(o => o.Kind != OpKind.ReleaseHandle).ToList();
        var released = applied.Where(o => o.Kind == OpKind.ReleaseHandle).Select(o => o.Subject).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, claim) in state.Claims)
        {
            // A claim stays bound when its account claims the handle again (the newer claim then names the binding), or
            // once its account released the handle.
            if (claim.Status is not (ClaimStatus.Bound or ClaimStatus.Rejected) || (claim.Status == ClaimStatus.Bound && claim.Account != state.Owner && !released.Contains(claim.Account)))
            {
                return $"{region}: {handle}'s tentative claim {id} by {claim.Account} ended {claim.Status} while {state.Owner} holds it (I6: a lost claim is rejected once)";
            }
        }

        if ((state.Owner is null && claims.Count > 0 && released.Count == 0) || (state.Owner is not null && claims.Count == 0)
            || (state.Owner is { } owner && !claims.Any(o => o.Subject == owner)))
        {
            return $"{region}: {handle} is bound to {state.Owner ?? "nobody"} after claims by [{string.Join(", ", claims.Select(o => o.Subject))}] and releases from [{string.Join(", ", released)}] (I3)";
        }

        foreach (var op in claims.Where(o => !released.Contains(o.Subject)))
        {
            var tentative = state.Claims.TryGetValue(op.RequestId, out var claim);
            if ((!tentative || claim!.Status == ClaimStatus.Bound) && state.Owner != op.Subject)
            {
                return $"{region}: {op} took effect {(tentative ? "and was bound" : "at the primary")}, but {handle} is bound to {state.Owner} (I3)";
            }
        }

        return null;
    }
}
