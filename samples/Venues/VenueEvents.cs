namespace Concord.Samples.Venues;

// The facts a venue's log holds. Each is registered with a kind name and a schema version (VenueType);
// Concord logs them as canonical JSON, so none of them writes bytes by hand.

/// <summary>The venue opened with this many seats. Decided at home, once.</summary>
public sealed record VenueOpened(int Capacity);

/// <summary>A guest holds a seat, decided in whichever region took the request. The hold's id is the event's request id.</summary>
public sealed record SeatHeld(string Guest);

/// <summary>A guest booked a seat, decided at home against every hold and booking home has seen.</summary>
public sealed record SeatBooked(string Guest);

/// <summary>A guest gave a hold back.</summary>
public sealed record HoldReleased(string HoldId, string Guest);

/// <summary>The apology: holds taken apart from each other overbooked the venue, and this one lost its seat.</summary>
public sealed record HoldBumped(string HoldId, string Guest, int Capacity);
