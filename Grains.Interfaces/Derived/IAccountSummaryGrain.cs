using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Derived;

/// <summary>
/// A view of one account derived from its log through the event stream. It may lag the account by a
/// stream delivery; it is never ahead of the log, and <see cref="RebuildAsync"/> recomputes it from scratch.
/// </summary>
[Alias("concord.IAccountSummaryGrain")]
public interface IAccountSummaryGrain : IGrainWithStringKey
{
    [Alias("get")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<AccountSummary> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Pulls from the log until the view covers <paramref name="throughPosition"/>; returns the view's position.</summary>
    [Alias("catch-up")]
    Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default);

    /// <summary>Pulls from the log until the view covers <paramref name="throughPosition"/> and returns the view, in one call (the auditor's).</summary>
    [Alias("catch-up-and-get")]
    Task<AccountSummary> CatchUpAndGetAsync(long throughPosition, CancellationToken cancellationToken = default);

    /// <summary>Discards the view and recomputes it from the account's log.</summary>
    [Alias("rebuild")]
    [Events.RequiresRole(Events.ClientRole.Operator)]
    Task<AccountSummary> RebuildAsync(CancellationToken cancellationToken = default);
}

/// <summary>Derived facts about one account. Amounts are minor units.</summary>
[GenerateSerializer, Immutable, Alias("concord.derived.account-summary")]
public sealed record AccountSummary(
    [property: Id(0)] string Account,
    [property: Id(1)] long Position,
    [property: Id(2)] decimal Balance,
    [property: Id(3)] decimal Deposited,
    [property: Id(4)] decimal PaidOut,
    [property: Id(5)] decimal TransferredOut,
    [property: Id(6)] decimal TransferredIn,
    [property: Id(7)] HlcTimestamp? LastActivity,
    [property: Id(8)] ImmutableArray<PendingTransfer> PendingOutgoing);

/// <summary>A transfer whose debit is logged but whose credit has not yet been seen on the destination.</summary>
[GenerateSerializer, Immutable, Alias("concord.derived.pending-transfer")]
public sealed record PendingTransfer(
    [property: Id(0)] EventId DebitId,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string To,
    [property: Id(3)] decimal Amount);
