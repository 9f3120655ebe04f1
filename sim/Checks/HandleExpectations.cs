using Concord.Grains.Handles;

namespace Concord.Simulation;

/// <summary>
/// What the claims that took effect say a handle must hold at quiescence: bound only to an account that claimed it
/// (I3), to the strict claimant when a strict claim took effect (a strict binding is never displaced, and the workload
/// releases nothing), every tentative claim decided (bound, or rejected exactly once: I6), none left that may win.
/// </summary>
internal static class HandleExpectations
{
    public static string? Check(string region, string handle, HandleState state, IEnumerable<ClientOp> ops)
    {
        if (state.NextClaimToBind is { } unbound)
        {
            return $"{region}: {handle}'s tentative claim {unbound} may win, but the primary never bound it";
        }

        foreach (var (id, claim) in state.Claims)
        {
            // A claim stays bound when its account claims the handle again (the newer claim then names the binding).
            if (claim.Status is not (ClaimStatus.Bound or ClaimStatus.Rejected) || (claim.Status == ClaimStatus.Bound && claim.Account != state.Owner))
            {
                return $"{region}: {handle}'s tentative claim {id} by {claim.Account} ended {claim.Status} while {state.Owner} holds it (I6: a lost claim is rejected once)";
            }
        }

        var applied = ops.Where(o => o.Applied).ToList();
        if ((state.Owner is null) != (applied.Count == 0) || (state.Owner is { } owner && !applied.Any(o => o.Subject == owner)))
        {
            return $"{region}: {handle} is bound to {state.Owner ?? "nobody"} after claims by [{string.Join(", ", applied.Select(o => o.Subject))}] (I3)";
        }

        foreach (var op in applied)
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
