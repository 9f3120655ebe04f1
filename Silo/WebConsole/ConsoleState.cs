using System.Collections.Immutable;

namespace Concord.Silo.WebConsole;

/// <summary>What the console page shows of one region, refreshed every second.</summary>
/// <param name="Role">The role of the credential the page presents (what its buttons may do).</param>
/// <param name="Appended">Events of this region's origin appended since the silo started; the page turns two polls into a rate.</param>
/// <param name="Applied">Events of other origins applied since the silo started.</param>
/// <param name="Audit">The latest audit, or null before the first (or for a credential below operator).</param>
/// <param name="Deployment">Every region's links as that region sees them, asked over this region's links (a cut link hides its peer).</param>
internal sealed record ConsoleState(
    string Region,
    ImmutableArray<string> Regions,
    string Digest,
    bool FaultInjection,
    string? Recovery,
    string Role,
    DateTimeOffset At,
    long Appended,
    long Applied,
    ImmutableArray<ConsoleLink> Links,
    ImmutableArray<ConsoleApology> Apologies,
    ConsoleAudit? Audit,
    ImmutableArray<ConsoleRegion> Deployment);

/// <summary>One region's outbound links as it reported them, or why this region could not ask it.</summary>
internal sealed record ConsoleRegion(string Region, string? Unreachable, ImmutableArray<ConsoleLink> Links);

/// <summary>This region's link to one peer: <c>up</c>, <c>down</c>, <c>idle</c> or <c>cut</c>, and what the peer has not acknowledged.</summary>
internal sealed record ConsoleLink(
    string Peer, string State, long LagEvents, long LagMs, long Shipped, long Batches, long Repaired, bool? InSync, string Fault, string? LastError);

/// <summary>One apology and the event that carries it (in the log of <paramref name="Entity"/>).</summary>
internal sealed record ConsoleApology(string Event, string Entity, string Subject, string Kind, string Description, string Hlc);

internal sealed record ConsoleAudit(
    string Region, DateTimeOffset StartedAt, double DurationMs, long Entities, long Events, long Chains, ImmutableArray<string> PeersUnreachable, ImmutableArray<ConsoleFinding> Findings);

internal sealed record ConsoleFinding(string EntityId, string Kind, long? Position, string Detail);

/// <summary>An entity's log in this region, grouped by origin: each origin's chain in order, each link checked.</summary>
internal sealed record ConsoleEntity(string EntityId, long Head, bool Truncated, ImmutableArray<ConsoleChain> Origins);

/// <param name="Linked">Every event's previous hash is the hash of the origin's event before it (the first's is the genesis).</param>
internal sealed record ConsoleChain(string Origin, bool Linked, ImmutableArray<ConsoleEvent> Events);

internal sealed record ConsoleEvent(long Position, long Seq, string RequestId, string Hlc, string Payload, string PrevHash, string Hash);
