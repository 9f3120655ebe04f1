using Concord.Grains.Interfaces.Canonical;

namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// The domain fact an event carries. Each concrete payload has a stable <see cref="Kind"/> and writes
/// its own fields into the canonical encoding; <see cref="PayloadKinds"/> knows how to read each kind back.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.payload")]
public abstract record EventPayload
{
    /// <summary>The payload's name in the canonical encoding. Never changes once events exist.</summary>
    public abstract string Kind { get; }

    /// <summary>Writes the payload's fields, in a fixed order, to the canonical encoding.</summary>
    public abstract void WriteCanonical(CanonicalWriter writer);
}

/// <summary>A payload that records an apology: a loosely enforced rule was broken and this says what was done.</summary>
public interface IApologyPayload
{
    /// <summary>One line for people: what went wrong and what was done about it.</summary>
    string Describe();

    /// <summary>The account the apology is owed to, when it is owed to one; null for the entity whose log holds it.</summary>
    string? OwedTo => null;
}
