using Concord.Grains.Entities;
using Orleans.Concurrency;

namespace Concord.Samples.Venues;

/// <summary>Counts a venue's bookings and holds as its events arrive: a second fold of the same log.</summary>
public sealed class VenueActivityView : EntityView<VenueActivity>
{
    public override string EntityType => VenueType.TypeName;

    public override string Name => "activity";

    public override VenueActivity Initial => VenueActivity.None;

    public override VenueActivity Apply(VenueActivity view, object payload, EventContext context)
    {
        var counted = payload switch
        {
            VenueOpened opened => view with { Capacity = opened.Capacity },
            SeatBooked => view with { Bookings = view.Bookings + 1 },
            SeatHeld => view with { HoldsTaken = view.HoldsTaken + 1 },
            HoldReleased => view with { HoldsReleased = view.HoldsReleased + 1 },
            HoldBumped => view with { HoldsBumped = view.HoldsBumped + 1 },
            _ => view,
        };
        return view.LastChange is null || context.Hlc > view.LastChange ? counted with { LastChange = context.Hlc } : counted;
    }
}

/// <summary>The activity view's grain: one per venue in each region.</summary>
[EntityViewOf(VenueType.TypeName)]
[Reentrant]
public sealed class VenueActivityGrain : EntityViewGrain<VenueActivity>, IVenueActivityGrain
{
    public Task<VenueActivity> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(View);
}
