namespace Concord.Grains.Interfaces.Events;

/// <summary>How an operation is decided. See <c>docs/semantics.md</c>.</summary>
[GenerateSerializer, Alias("concord.consistency-mode")]
public enum ConsistencyMode
{
    /// <summary>Decided at the entity's home region; fails fast when the home region is unreachable.</summary>
    Strict = 0,

    /// <summary>Accepted against the local replica; reconciled later and apologised for if a rule was broken.</summary>
    Optimistic = 1,
}
