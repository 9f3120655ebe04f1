using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Ledger;

/// <summary>
/// An account's balance as this region's replica holds it. <see cref="Version"/> says which events
/// (per origin) it includes; <see cref="Position"/> is the length of this region's log of the account.
/// <see cref="KnownAhead"/> lists, per origin, the highest event this replica has received but cannot
/// apply yet (a gap or a missing dependency): where it is non-empty, the balance is known to be behind.
/// <see cref="Share"/> is this region's escrow share: what a strict debit here may take without asking the home region.
/// <see cref="Held"/> is what open two-phase <see cref="Holds"/> reserve; a debit may take at most the balance less it.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.balance")]
public sealed record BalanceView(
    [property: Id(0)] string Account,
    [property: Id(1)] decimal Balance,
    [property: Id(2)] VersionVector Version,
    [property: Id(3)] long Position,
    [property: Id(4)] string Region,
    [property: Id(5)] VersionVector? KnownAhead = null,
    [property: Id(6)] string? HomeRegion = null,
    [property: Id(7)] bool Frozen = false,
    [property: Id(8)] decimal Share = 0m,
    [property: Id(9)] decimal Held = 0m,
    [property: Id(10)] ImmutableArray<HoldView> Holds = default)
{
    /// <summary>True when events from some origin are known to exist but are not yet applied here.</summary>
    public bool IsKnownBehind => KnownAhead is { Entries.Length: > 0 };
}

/// <summary>An open two-phase hold: what it reserves, for whom, the region that placed it (and alone resolves it), and when it expires.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.hold-view")]
public sealed record HoldView(
    [property: Id(0)] string HoldId,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] string To,
    [property: Id(3)] string Region,
    [property: Id(4)] DateTimeOffset ExpiresAt);

[GenerateSerializer, Immutable, Alias("concord.ledger.statement")]
public sealed record Statement(
    [property: Id(0)] string Account,
    [property: Id(1)] ImmutableArray<StatementLine> Lines,
    [property: Id(2)] long HeadPosition)
{
    /// <summary>The position to ask for next, or null when the statement reached the head of the log.</summary>
    public long? NextPosition => Lines.IsDefaultOrEmpty || Lines[^1].Position >= HeadPosition ? null : Lines[^1].Position + 1;
}

/// <summary>
/// One event of an account's log as a person reads it. <see cref="Amount"/> is signed, in currency units (two places).
/// <see cref="Void"/> marks an event whose request id took effect through another event (the same request
/// accepted by two regions): it stays in the log, and counts for nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.statement-line")]
public sealed record StatementLine(
    [property: Id(0)] long Position,
    [property: Id(1)] EventId EventId,
    [property: Id(2)] string RequestId,
    [property: Id(3)] HlcTimestamp Hlc,
    [property: Id(4)] string Kind,
    [property: Id(5)] decimal Amount,
    [property: Id(6)] string? Counterparty,
    [property: Id(7)] bool Void = false);
