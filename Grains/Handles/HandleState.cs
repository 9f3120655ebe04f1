using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Handles;

/// <summary>
/// A handle folded from its binding log. The owner is decided only by the primary region's events, which every
/// replica applies in the primary's order, so every region converges on the same owner. Tentative claims from
/// other regions stay pending until the primary binds or rejects them.
/// </summary>
internal sealed record HandleState
{
    public static HandleState Empty { get; } = new();

    /// <summary>The account the primary bound the handle to; null when free.</summary>
    public string? Owner { get; init; }

    /// <summary>The claim the current binding decided (a client request id, or a tentative claim's id).</summary>
    public string? OwnerClaimId { get; init; }

    /// <summary>Every tentative claim, by the request id that recorded it, with what the primary made of it.</summary>
    public ImmutableDictionary<string, TentativeClaim> Claims { get; init; } = ImmutableDictionary.Create<string, TentativeClaim>(StringComparer.Ordinal);

    /// <summary>Tentative claims the primary has not decided yet, oldest (HLC, origin) first.</summary>
    [JsonIgnore]
    public IEnumerable<KeyValuePair<string, TentativeClaim>> Pending =>
        Claims.Where(c => c.Value.Status == ClaimStatus.Pending).OrderBy(c => c.Value.Hlc);

    /// <summary>The claim the primary binds next: the oldest pending claim that may still win, or null.</summary>
    [JsonIgnore]
    public string? NextClaimToBind => Pending.Where(p => IsBindable(p.Value)).Select(p => p.Key).FirstOrDefault();

    /// <summary>
    /// Whether the primary may bind a pending claim: the handle is free or already the claimant's, or it is bound by
    /// a younger tentative claim (the oldest tentative claim by (HLC, origin) wins). A strict binding is never displaced.
    /// </summary>
    public bool IsBindable(TentativeClaim claim) =>
        Owner is null || string.Equals(Owner, claim.Account, StringComparison.Ordinal)
        || (OwnerClaimId is { } bound && Claims.TryGetValue(bound, out var winner) && winner.Status == ClaimStatus.Bound && claim.Hlc < winner.Hlc);
}

internal enum ClaimStatus
{
    Pending,
    Bound,

    /// <summary>Bound, then the primary bound an older claim instead: owed a rejection.</summary>
    Displaced,
    Rejected,
}

/// <param name="LostTo">The account that displaced this claim, once it is <see cref="ClaimStatus.Displaced"/>.</param>
internal sealed record TentativeClaim(string Account, HlcTimestamp Hlc, ClaimStatus Status, string? LostTo = null)
{
    /// <summary>The stamp of a claim the primary decided before the claim itself arrived here.</summary>
    public static HlcTimestamp NotArrived { get; } = new(0, 0, string.Empty);

    [JsonIgnore]
    public bool HasArrived => Hlc != NotArrived;
}
