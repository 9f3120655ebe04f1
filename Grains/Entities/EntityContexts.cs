using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>
/// What a fold step knows about the event it applies, handed in rather than looked up: its identity, its
/// request id, its HLC timestamp and its causal past. Nothing here depends on the region applying it.
/// </summary>
public sealed record EventContext(EventId Id, string RequestId, HlcTimestamp Hlc, VersionVector Deps)
{
    /// <summary>The event's dot, the tag CRDTs use: (origin, seq).</summary>
    public Dot Dot => new(Id.Origin, Id.Seq);

    public string Origin => Id.Origin;
}

/// <summary>What a command handler knows when it decides: where it runs and how the command is decided.</summary>
public sealed record CommandContext(
    string EntityId,
    string Key,
    string RequestId,
    ConsistencyMode Mode,
    string Region,
    string HomeRegion,
    VersionVector Version)
{
    /// <summary>True when this region is the entity's home: strict rules and apologies are decided only here.</summary>
    public bool IsHome => string.Equals(Region, HomeRegion, StringComparison.Ordinal);
}

/// <summary>
/// An apology the home region owes: a payload that records what broke and what was done. <paramref name="Key"/>
/// names the violation (for example the hold that lost); the same key is apologised for exactly once.
/// </summary>
public sealed record Apology(string Key, object Payload);
