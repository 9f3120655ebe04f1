using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;

namespace Concord.Samples.Venues;

/// <summary>
/// Seat booking for events, as a replicated entity type: bookings are strict (decided at the venue's home, never
/// overbooked), holds are optimistic (taken at once in any region, even cut off). When holds taken apart overbook
/// the venue, home bumps the youngest holds by (HLC, origin) and each bumped hold gets exactly one apology.
/// </summary>
public sealed class VenueType : ReplicatedEntityType<VenueState>
{
    public const string TypeName = "venue";

    public override string Name => TypeName;

    public override VenueState Initial => VenueState.Empty;

    public override void RegisterPayloads(PayloadTypes payloads) => payloads
        .Add<VenueOpened>("venue.opened")
        .Add<SeatHeld>("venue.seat-held")
        .Add<SeatBooked>("venue.seat-booked")
        .Add<HoldReleased>("venue.hold-released")
        .Add<HoldBumped>("venue.hold-bumped");

    public override ConsistencyMode ModeOf(object command) => command switch
    {
        OpenVenue or BookSeat => ConsistencyMode.Strict,
        _ => ConsistencyMode.Optimistic,
    };

    public override object? Decide(VenueState state, object command, CommandContext context) => command switch
    {
        OpenVenue { Capacity: < 1 or > 100_000 } open => throw new InvalidRequestException("capacity", $"A venue has 1 to 100000 seats, not {open.Capacity}."),
        OpenVenue when state.IsOpen => throw new CommandRejectedException(context.EntityId, "the venue is already open"),
        OpenVenue open => new VenueOpened(open.Capacity),
        BookSeat or HoldSeat when !state.IsOpen => throw new CommandRejectedException(context.EntityId, "the venue is not open"),
        BookSeat book when state.Free < 1 => throw new CommandRejectedException(context.EntityId, $"sold out: no seat left for {RequireGuest(book.Guest)}"),
        BookSeat book => new SeatBooked(RequireGuest(book.Guest)),
        HoldSeat hold when state.Free < 1 => throw new CommandRejectedException(context.EntityId, $"no seat left to hold for {RequireGuest(hold.Guest)} in {context.Region}"),
        HoldSeat hold => new SeatHeld(RequireGuest(hold.Guest)),
        ReleaseHold release when state.Holds.GetValueOrDefault(release.HoldId) is { Status: HoldStatus.Active } held => new HoldReleased(release.HoldId, held.Guest),
        ReleaseHold release => throw new CommandRejectedException(context.EntityId, $"no active hold '{release.HoldId}'"),
        _ => throw new InvalidRequestException("command", $"A venue has no command {command.GetType().Name}."),
    };

    public override VenueState Apply(VenueState state, object payload, EventContext e) => payload switch
    {
        VenueOpened opened => state with { Capacity = state.Capacity.Set(opened.Capacity, e.Hlc) },
        SeatHeld held => state with
        {
            Holds = state.Holds.SetItem(e.RequestId, new Hold(held.Guest, e.Hlc, e.Dot, HoldStatus.Active)),
            Attendees = state.Attendees.Add(held.Guest, e.Dot),
        },
        SeatBooked booked => state with
        {
            Bookings = state.Bookings.SetItem(e.RequestId, booked.Guest),
            Attendees = state.Attendees.Add(booked.Guest, e.Dot),
        },
        HoldReleased released => End(state, released.HoldId, HoldStatus.Released),
        HoldBumped bumped => End(state, bumped.HoldId, HoldStatus.Bumped),
        _ => state,
    };

    /// <summary>A retried request must ask for what its first attempt decided: the same guest, seats or hold.</summary>
    public override bool IsRetryOf(object command, object payload) => (command, payload) switch
    {
        (OpenVenue open, VenueOpened opened) => open.Capacity == opened.Capacity,
        (HoldSeat hold, SeatHeld held) => hold.Guest == held.Guest,
        (BookSeat book, SeatBooked booked) => book.Guest == booked.Guest,
        (ReleaseHold release, HoldReleased released) => release.HoldId == released.HoldId,
        _ => false,
    };

    /// <summary>At home: the youngest active holds beyond the seats left, each owed one apology.</summary>
    public override IEnumerable<Apology> OwedApologies(VenueState state)
    {
        if (!state.IsOpen || state.Free >= 0)
        {
            return [];
        }

        return state.ActiveHolds
            .OrderByDescending(h => h.Value.Hlc)
            .Take(-state.Free)
            .Select(h => new Apology($"bumped:{h.Key}", new HoldBumped(h.Key, h.Value.Guest, state.Capacity.Value)));
    }

    /// <summary>Bookings are strict: however holds went, they never exceed the capacity.</summary>
    public override IEnumerable<string> CheckInvariants(VenueState state, bool atHome)
    {
        if (state.Bookings.Count > 0 && (!state.IsOpen || state.Bookings.Count > state.Capacity.Value))
        {
            yield return $"{state.Bookings.Count} seats booked for a capacity of {state.Capacity.Value}";
        }
    }

    private static VenueState End(VenueState state, string holdId, HoldStatus status)
    {
        if (!state.Holds.TryGetValue(holdId, out var hold) || hold.Status >= status)
        {
            return state;
        }

        // Only the hold's own tag goes: the guest stays an attendee through any other hold or booking.
        return state with
        {
            Holds = state.Holds.SetItem(holdId, hold with { Status = status }),
            Attendees = state.Attendees.Remove(hold.Guest, [hold.Dot]),
        };
    }

    private static string RequireGuest(string guest) => EntityKeys.RequireKey(guest, "guest");
}
