using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;

namespace Concord.Samples.Venues;

/// <summary>A hold on one seat: who, and when by (HLC, origin), which decides who keeps a seat when there are too few.</summary>
public sealed record Hold(string Guest, HlcTimestamp Hlc, Dot Dot, HoldStatus Status);

/// <summary>Later states win when two regions end a hold differently, so the order events arrive in never matters.</summary>
public enum HoldStatus
{
    Active = 0,
    Released = 1,
    Bumped = 2,
}

/// <summary>
/// A venue's state. Every field merges in any causal order: the capacity is a last-writer-wins register, holds
/// and bookings are maps keyed by request id, a hold's status only moves up, and attendees are an add-wins OR-set.
/// </summary>
public sealed record VenueState(
    LwwRegister<int> Capacity,
    ImmutableSortedDictionary<string, Hold> Holds,
    ImmutableSortedDictionary<string, string> Bookings,
    OrSet<string> Attendees)
{
    public static VenueState Empty { get; } = new(
        LwwRegister<int>.Empty,
        ImmutableSortedDictionary.Create<string, Hold>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal),
        OrSet<string>.Empty);

    // Derived properties stay out of the canonical JSON the audit compares: it holds what the events say, once.
    [JsonIgnore]
    public bool IsOpen => Capacity.HasValue;

    [JsonIgnore]
    public IEnumerable<KeyValuePair<string, Hold>> ActiveHolds => Holds.Where(h => h.Value.Status == HoldStatus.Active);

    /// <summary>Seats neither booked nor held, as this replica sees them (negative while overbooked).</summary>
    [JsonIgnore]
    public int Free => Capacity.Value - Bookings.Count - ActiveHolds.Count();
}
