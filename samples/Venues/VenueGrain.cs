using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities;
using Orleans.Concurrency;

namespace Concord.Samples.Venues;

/// <summary>A venue's replica in this region: each command is one line, reads come from the folded state.</summary>
[Reentrant]
public sealed class VenueGrain : ReplicatedEntityGrain<VenueState>, IVenueGrain
{
    public Task<EntityReceipt> OpenAsync(string requestId, int capacity, CancellationToken cancellationToken = default) =>
        ExecuteAsync(requestId, new OpenVenue(capacity), cancellationToken);

    public Task<EntityReceipt> BookAsync(string requestId, string guest, CancellationToken cancellationToken = default) =>
        ExecuteAsync(requestId, new BookSeat(guest), cancellationToken);

    public Task<EntityReceipt> HoldAsync(string requestId, string guest, CancellationToken cancellationToken = default) =>
        ExecuteAsync(requestId, new HoldSeat(guest), cancellationToken);

    public Task<EntityReceipt> ReleaseAsync(string requestId, string holdId, CancellationToken cancellationToken = default) =>
        ExecuteAsync(requestId, new ReleaseHold(holdId), cancellationToken);

    public Task<VenueView> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(new VenueView(
        Key,
        State.Capacity.Value,
        [.. State.Bookings.Values],
        [.. State.ActiveHolds.Select(h => h.Key)],
        [.. State.Holds.Where(h => h.Value.Status == HoldStatus.Bumped).Select(h => h.Key)],
        [.. State.Attendees.Elements],
        Region,
        HomeRegion,
        Version,
        State.Holds.ToImmutableSortedDictionary(h => h.Key, h => h.Value.Dot.Origin, StringComparer.Ordinal)));
}
