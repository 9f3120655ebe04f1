namespace Concord.Samples.Venues;

// Commands travel to the home region when they are strict, so they are Orleans-serialisable.

/// <summary>Opens the venue with <see cref="Capacity"/> seats (strict).</summary>
[GenerateSerializer, Immutable, Alias("venues.open")]
public sealed record OpenVenue([property: Id(0)] int Capacity);

/// <summary>Books a seat for sure (strict: decided at home, never overbooks).</summary>
[GenerateSerializer, Immutable, Alias("venues.book")]
public sealed record BookSeat([property: Id(0)] string Guest);

/// <summary>Holds a seat at once in this region (optimistic: may overbook during a partition, and then apologises).</summary>
[GenerateSerializer, Immutable, Alias("venues.hold")]
public sealed record HoldSeat([property: Id(0)] string Guest);

/// <summary>Gives a hold back (optimistic).</summary>
[GenerateSerializer, Immutable, Alias("venues.release")]
public sealed record ReleaseHold([property: Id(0)] string HoldId);
