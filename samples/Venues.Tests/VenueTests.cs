using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;

using Concord.TestKit;

namespace Concord.Samples.Venues.Tests;

/// <summary>Three regions hosting venues: strict bookings at home, optimistic holds anywhere, apologies for overbooking.</summary>
public sealed class VenueTests : IAsyncLifetime
{
    private static readonly string[] Names = ["ap", "eu", "us"];
    private ConcordTestRegions _regions = null!;

    public async Task InitializeAsync() =>
        _regions = await ConcordTestRegions.StartAsync(new() { Regions = Names, ServiceId = "venues", ConfigureSilo = (_, silo) => silo.AddVenues() });

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    private IVenueGrain Venue(string region, string name) => _regions.Grains(region).GetGrain<IVenueGrain>(name);

    private static string HomeOf(string venue) => HomeRegions.OfAccount(venue, Names);

    private static string NotHome(string venue) => Names.First(r => r != HomeOf(venue));

    [Fact]
    public async Task A_strict_booking_made_away_from_home_is_decided_at_home_and_never_overbooks()
    {
        const string venue = "recital";
        var away = NotHome(venue);
        var opened = await Venue(away, venue).OpenAsync("open-recital", 2);
        Assert.Equal(HomeOf(venue), opened.Events[0].Origin);

        var first = await Venue(away, venue).BookAsync("book-1", "ada");
        var second = await Venue(away, venue).BookAsync("book-2", "grace");
        var full = await Assert.ThrowsAsync<CommandRejectedException>(() => Venue(away, venue).BookAsync("book-3", "linus"));
        Assert.Contains("sold out", full.Message, StringComparison.Ordinal);
        Assert.All(new[] { first, second }, r => Assert.Equal(HomeOf(venue), r.Events[0].Origin));

        // The region that asked applied home's events at once: it reads its own bookings.
        var view = await Venue(away, venue).GetAsync();
        Assert.Equal(["ada", "grace"], view.Booked.Order(StringComparer.Ordinal));

        // A retry with the same request id returns the original receipt and books nothing new.
        var retry = await Venue(away, venue).BookAsync("book-1", "ada");
        Assert.True(retry.Replayed);
        Assert.Equal(first.Events.ToArray(), retry.Events.ToArray());
        await _regions.WaitForConvergenceAsync();
        foreach (var region in Names)
        {
            Assert.Equal(2, (await Venue(region, venue).GetAsync()).Booked.Length);
        }
    }

    [Fact]
    public async Task A_strict_booking_fails_fast_when_home_is_cut_off_and_appends_nothing()
    {
        const string venue = "opera";
        await Venue(HomeOf(venue), venue).OpenAsync("open-opera", 5);
        await _regions.WaitForConvergenceAsync();
        var away = NotHome(venue);
        var before = await _regions.Store(away).GetHeadAsync("venue/opera");

        _regions.IsolateAll();
        var error = await Assert.ThrowsAsync<CoordinationUnavailableException>(() => Venue(away, venue).BookAsync("book-cut", "ada"));
        Assert.Equal(HomeOf(venue), error.HomeRegion);
        Assert.Equal(before, await _regions.Store(away).GetHeadAsync("venue/opera"));
        _regions.HealAll();
        Assert.Empty((await Venue(HomeOf(venue), venue).GetAsync()).Booked);
    }

    [Fact]
    public async Task Holds_taken_apart_overbook_and_each_overbooked_seat_gets_exactly_one_apology_naming_the_hold_that_lost()
    {
        const string venue = "gala";
        await Venue(HomeOf(venue), venue).OpenAsync("open-gala", 2);
        await _regions.WaitForConvergenceAsync();

        // Cut off, each region sees two free seats and holds one: three holds for two seats.
        _regions.IsolateAll();
        var holds = new Dictionary<string, EntityReceipt>(StringComparer.Ordinal);
        foreach (var region in Names)
        {
            holds[region] = await Venue(region, venue).HoldAsync($"hold-{region}", $"guest-{region}");
            Assert.Equal(region, holds[region].Events[0].Origin);
        }

        _regions.HealAll();
        await _regions.WaitForConvergenceAsync();
        await ConcordTestRegions.WaitUntilAsync(
            async () => (await Venue(HomeOf(venue), venue).GetAsync()).BumpedHolds.Length > 0,
            "home apologised for the overbooking",
            TimeSpan.FromSeconds(30));
        await _regions.WaitForConvergenceAsync();

        // The youngest hold by (HLC, origin) lost its seat.
        var hlcs = new Dictionary<string, HlcTimestamp>(StringComparer.Ordinal);
        foreach (var (region, receipt) in holds)
        {
            hlcs[$"hold-{region}"] = (await _regions.Store(region).FindAsync(receipt.Events[0]))!.Event.Hlc;
        }

        var loser = hlcs.MaxBy(h => h.Value).Key;
        foreach (var region in Names)
        {
            var log = await _regions.Store(region).ReadAsync("venue/gala", 1, 100);
            var apologies = log.Where(e => e.Event.Payload.Kind == "venue.hold-bumped").ToList();
            var apology = Assert.Single(apologies);
            Assert.Equal(HomeOf(venue), apology.Event.Origin);
            Assert.Contains($"\"HoldId\":\"{loser}\"", ((JsonEventPayload)apology.Event.Payload).CanonicalJson, StringComparison.Ordinal);

            var view = await Venue(region, venue).GetAsync();
            Assert.Equal([loser], view.BumpedHolds.ToArray());
            Assert.Equal(hlcs.Keys.Where(k => k != loser).Order(StringComparer.Ordinal), view.ActiveHolds.Order(StringComparer.Ordinal));
            Assert.Equal(Names.Select(n => $"guest-{n}").Where(g => $"hold-{g[6..]}" != loser).Order(StringComparer.Ordinal), view.Attendees.ToArray());
        }

        foreach (var region in Names)
        {
            // The activity view, a second fold fed by the stream, agrees in every region.
            var activity = _regions.Grains(region).GetGrain<IVenueActivityGrain>("venue/gala");
            await ConcordTestRegions.WaitUntilAsync(
                async () => await activity.GetAsync() is { Capacity: 2, Bookings: 0, HoldsTaken: 3, HoldsReleased: 0, HoldsBumped: 1 },
                $"the activity view in {region} counts 3 holds taken and 1 bumped",
                TimeSpan.FromSeconds(10));

            // The apology is queryable in every region's apology feed, once.
            var feed = _regions.Grains(region).GetGrain<IApologyFeedGrain>(0);
            await ConcordTestRegions.WaitUntilAsync(async () => (await feed.GetAsync("venue/gala")).Length > 0, $"the apology reached {region}'s feed", TimeSpan.FromSeconds(10));
            var notice = Assert.Single(await feed.GetAsync("venue/gala"));
            Assert.Equal("venue.hold-bumped", notice.Kind);
            Assert.Contains($"\"HoldId\":\"{loser}\"", notice.Description, StringComparison.Ordinal);

            var report = await _regions.AuditAsync(region);
            Assert.True(report.IsClean, string.Join("; ", report.Findings.Select(f => $"{f.Kind} {f.EntityId}: {f.Detail}")));
            Assert.Equal(1, report.Entities);
        }
    }

    [Fact]
    public async Task A_hold_retried_with_the_same_request_id_in_two_cut_off_regions_takes_effect_once_everywhere()
    {
        const string venue = "matinee";
        await Venue(HomeOf(venue), venue).OpenAsync("open-matinee", 10);
        await _regions.WaitForConvergenceAsync();
        _regions.IsolateAll();

        // A client whose first region did not answer retries the same request in another one.
        var first = await Venue("eu", venue).HoldAsync("hold-retried", "ada");
        var second = await Venue("us", venue).HoldAsync("hold-retried", "ada");
        Assert.NotEqual(first.Events[0], second.Events[0]);
        _regions.HealAll();
        await _regions.WaitForConvergenceAsync();

        var winner = new[] { first, second }
            .Select(r => (r.Events[0], Hlc: _regions.Store(r.Events[0].Origin).FindAsync(r.Events[0]).AsTask().Result!.Event.Hlc))
            .MinBy(e => e.Hlc).Item1;
        foreach (var region in Names)
        {
            var view = await Venue(region, venue).GetAsync();
            Assert.Equal(["hold-retried"], view.ActiveHolds.ToArray());
            Assert.Equal(["ada"], view.Attendees.ToArray());
            Assert.Equal(winner.Origin, view.HeldIn["hold-retried"]);
            var held = (await _regions.Store(region).ReadAsync("venue/matinee", 1, 100)).Where(e => e.Event.RequestId == "hold-retried").ToList();
            Assert.Equal(2, held.Count);
            Assert.Contains(held, e => e.Event.Id == winner);
        }

        foreach (var region in Names)
        {
            var report = await _regions.AuditAsync(region);
            Assert.True(report.IsClean, string.Join("; ", report.Findings.Select(f => $"{f.Kind} {f.EntityId}: {f.Detail}")));
        }
    }

    [Fact]
    public async Task Bad_input_is_refused_with_a_typed_error_and_nothing_changes()
    {
        const string venue = "club";
        var home = HomeOf(venue);
        var none = await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(home, venue).OpenAsync("open-club", 0));
        Assert.Equal("capacity", none.Field);
        await Assert.ThrowsAsync<CommandRejectedException>(() => Venue(home, venue).HoldAsync("hold-early", "ada"));
        await Venue(home, venue).OpenAsync("open-club", 1);
        var badGuest = await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(home, venue).HoldAsync("hold-bad", "ada lovelace"));
        Assert.Equal("guest", badGuest.Field);
        await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(home, venue).HoldAsync("bad request id", "ada"));

        // Apologies' request ids have a '/', which no client may use: none can take one first or forge one.
        await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(home, venue).HoldAsync("apology/0123456789abcdef0123456789abcdef", "ada"));
        await Assert.ThrowsAsync<CommandRejectedException>(() => Venue(home, venue).ReleaseAsync("release-x", "no-such-hold"));
        Assert.Equal(1, await _regions.Store(home).GetHeadAsync("venue/club"));
    }

    [Fact]
    public async Task A_request_id_retried_with_another_command_is_refused_and_the_same_command_gets_its_first_receipt()
    {
        const string venue = "bistro";
        var home = HomeOf(venue);
        var away = Names.First(r => r != home);
        await Venue(home, venue).OpenAsync("open-bistro", 3);
        await _regions.WaitForConvergenceAsync();
        var first = await Venue(away, venue).HoldAsync("hold-1", "ada");

        var again = await Venue(away, venue).HoldAsync("hold-1", "ada");
        var otherGuest = await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(away, venue).HoldAsync("hold-1", "grace"));
        var otherCommand = await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(away, venue).BookAsync("hold-1", "ada"));
        var otherCapacity = await Assert.ThrowsAsync<InvalidRequestException>(() => Venue(home, venue).OpenAsync("open-bistro", 4));

        Assert.True(again.Replayed);
        Assert.Equal(first.Events.ToArray(), again.Events.ToArray());
        Assert.Equal("requestId", otherGuest.Field);
        Assert.Contains("'hold-1' already took effect on 'venue/bistro' with a different command", otherGuest.Message, StringComparison.Ordinal);
        Assert.Equal("requestId", otherCommand.Field);
        Assert.Equal("requestId", otherCapacity.Field);
        Assert.Single(await _regions.Store(away).ReadAsync("venue/bistro", 1, 10), e => e.Event.Origin == away);
        Assert.Equal(["ada"], (await Venue(away, venue).GetAsync()).Attendees.ToArray());
    }
}
