using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Handles;

/// <summary>
/// A unique handle (the grain key, same rules as account ids) and the account it is bound to. Bindings are
/// decided only at the handles' primary region, in Orleans transactions over ownership records; every
/// region answers <see cref="WhoisAsync"/> from its own replica of the handle's binding log.
/// </summary>
[Alias("concord.IHandleGrain")]
public interface IHandleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Binds the handle to an account. Strict: decided at the primary, or <see cref="Errors.CoordinationUnavailableException"/>.
    /// Optimistic: when the primary is unreachable the claim is recorded as tentative and decided later; a
    /// losing tentative claim gets one <see cref="HandleClaimRejected"/> apology. A taken handle throws
    /// <see cref="Errors.HandleTakenException"/>.
    /// </summary>
    [Alias("claim")]
    Task<HandleReceipt> ClaimAsync(ClaimHandleCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Frees the handle from <paramref name="account"/>. Strict: decided at the primary. A handle another account holds
    /// throws <see cref="Errors.HandleTakenException"/> with nothing changed; a free handle stays free (no event, and the
    /// receipt names no account). Naming the account makes a retry safe: a retry of a release that found the handle
    /// free, decided again after someone claimed it, frees nobody.
    /// </summary>
    [Alias("release-from")]
    Task<HandleReceipt> ReleaseAsync(string requestId, string account, CancellationToken cancellationToken = default);

    [Alias("whois")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<HandleView> WhoisAsync(CancellationToken cancellationToken = default);
}

/// <summary>Moves a binding from one handle to another atomically. Use key 0.</summary>
[Alias("concord.IHandleRenameGrain")]
public interface IHandleRenameGrain : IGrainWithIntegerKey
{
    [Alias("rename")]
    Task<HandleReceipt> RenameAsync(RenameHandleCommand command, CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("concord.handles.claim-command")]
public sealed record ClaimHandleCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Account,
    [property: Id(2)] ConsistencyMode Mode = ConsistencyMode.Strict);

[GenerateSerializer, Immutable, Alias("concord.handles.rename-command")]
public sealed record RenameHandleCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Old,
    [property: Id(2)] string New);

/// <param name="Tentative">The primary was unreachable: the claim is recorded and will be decided there.</param>
/// <param name="Events">
/// The handle's events that carry the operation (the one that took effect, for a replay), so that a client session
/// reads its own claims, releases and renames in every region. Empty when the operation changed nothing.
/// </param>
[GenerateSerializer, Immutable, Alias("concord.handles.receipt")]
public sealed record HandleReceipt(
    [property: Id(0)] string Handle,
    [property: Id(1)] string? Account,
    [property: Id(2)] bool Tentative,
    [property: Id(3)] bool Replayed,
    [property: Id(4)] ImmutableArray<EventId> Events = default);

/// <param name="Owner">The account the primary bound the handle to, as this region knows it; null when free.</param>
/// <param name="PendingClaims">Tentative claims the primary has not decided yet, as accounts.</param>
[GenerateSerializer, Immutable, Alias("concord.handles.view")]
public sealed record HandleView(
    [property: Id(0)] string Handle,
    [property: Id(1)] string? Owner,
    [property: Id(2)] ImmutableArray<string> PendingClaims,
    [property: Id(3)] string Primary,
    [property: Id(4)] string Region,
    [property: Id(5)] VersionVector Version);
