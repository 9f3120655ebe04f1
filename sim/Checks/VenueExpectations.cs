using Concord.Samples.Venues;

namespace Concord.Simulation;

/// <summary>
/// What the venue requests that took effect say the sample's venue must hold: its capacity, exactly the bookings and
/// holds acknowledged, a hold released only by a release that took effect, no seat overbooked once home has bumped
/// (each bumped hold apologised for exactly once: the check is given how many apology events each hold has),
/// and the attendees the holds and bookings leave.
/// </summary>
internal static class VenueExpectations
{
    public static string? Check(string region, string venue, VenueState state, IEnumerable<ClientOp> ops, Func<string, int> bumpsOf)
    {
        var applied = ops.Where(o => o.Applied).ToList();
        var open = applied.SingleOrDefault(o => o.Kind == OpKind.OpenVenue);
        if (state.IsOpen != open is not null || (open is not null && state.Capacity.Value != open.Amount))
        {
            return $"{region}: {venue} has capacity {(state.IsOpen ? state.Capacity.Value : "none")}; its acknowledged opening gives {open?.Amount.ToString() ?? "none"}";
        }

        var booked = applied.Where(o => o.Kind == OpKind.BookSeat).ToDictionary(o => o.RequestId, o => o.Subject, StringComparer.Ordinal);
        if (!booked.OrderBy(b => b.Key, StringComparer.Ordinal).SequenceEqual(state.Bookings))
        {
            return $"{region}: {venue} holds bookings [{string.Join(", ", state.Bookings)}]; the acknowledged ones are [{string.Join(", ", booked)}]";
        }

        var held = applied.Where(o => o.Kind == OpKind.HoldSeat).ToDictionary(o => o.RequestId, o => o.Subject, StringComparer.Ordinal);
        if (!held.OrderBy(h => h.Key, StringComparer.Ordinal).SequenceEqual(state.Holds.Select(h => KeyValuePair.Create(h.Key, h.Value.Guest))))
        {
            return $"{region}: {venue} holds holds [{string.Join(", ", state.Holds.Select(h => $"{h.Key}={h.Value.Guest}"))}]; the acknowledged ones are [{string.Join(", ", held)}]";
        }

        var released = applied.Where(o => o.Kind == OpKind.ReleaseHold).Select(o => o.Subject).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, hold) in state.Holds)
        {
            var expected = hold.Status switch
            {
                HoldStatus.Released => released.Contains(id),
                HoldStatus.Active => !released.Contains(id),
                _ => true,
            };
            if (!expected || bumpsOf(id) != (hold.Status == HoldStatus.Bumped ? 1 : 0))
            {
                return $"{region}: {venue}'s hold {id} is {hold.Status} with {bumpsOf(id)} bump apologies, {(released.Contains(id) ? "after" : "without")} a release that took effect (I6)";
            }
        }

        if (state.Free < 0)
        {
            return $"{region}: {venue} stays overbooked by {-state.Free} seat(s) after home's apologies";
        }

        var present = state.Bookings.Values.Concat(state.ActiveHolds.Select(h => h.Value.Guest)).ToHashSet(StringComparer.Ordinal);
        return present.SetEquals(state.Attendees.Elements)
            ? null
            : $"{region}: {venue} lists attendees [{string.Join(", ", state.Attendees.Elements)}]; its bookings and active holds give [{string.Join(", ", present)}]";
    }
}
