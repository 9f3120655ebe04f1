using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Ledger;

/// <summary>An account's folded state as of log position <see cref="Position"/>. An optimisation only: the log is the truth.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.account-snapshot")]
public sealed record AccountSnapshot(
    [property: Id(0)] long Position,
    [property: Id(1)] VersionVector Version,
    [property: Id(2)] ImmutableArray<ChainHead> Heads,
    [property: Id(3)] LedgerTotals Totals,
    [property: Id(4)] HlcTimestamp? LastActivity,
    [property: Id(5)] ImmutableArray<RequestRecord> Requests,
    [property: Id(6)] OverdraftTracking? Overdraft = null)
{
    public static AccountSnapshot Empty { get; } = new(0, VersionVector.Empty, [], default, null, []);
}

/// <summary>
/// What the home region needs to apologise exactly once per overdraft: how many apologies exist, whether
/// the current overdraft already has one, and the debits since the balance was last at zero or above.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.overdraft-tracking")]
public sealed record OverdraftTracking(
    [property: Id(0)] int Apologies,
    [property: Id(1)] bool Open,
    [property: Id(2)] ImmutableArray<EventId> RecentDebits);

/// <summary>The last event of one origin's chain in this log.</summary>
[GenerateSerializer, Immutable, Alias("concord.chain-head")]
public sealed record ChainHead(
    [property: Id(0)] string Origin,
    [property: Id(1)] long Seq,
    [property: Id(2)] ChainHash Hash);

/// <summary>The event that a request id took effect through: the winner by (HLC, origin) if it reached the log more than once.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.request-record")]
public sealed record RequestRecord(
    [property: Id(0)] string RequestId,
    [property: Id(1)] EventId EventId,
    [property: Id(2)] long Position,
    [property: Id(3)] HlcTimestamp Hlc,
    [property: Id(4)] EventPayload Payload);
