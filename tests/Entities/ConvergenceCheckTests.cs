using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Samples.Venues;

namespace Concord.Tests.Entities;

/// <summary>The public property test for folds: it passes a convergent type and catches one that depends on delivery order.</summary>
public sealed class ConvergenceCheckTests
{
    private static readonly string[] Guests = ["ada", "grace", "linus", "ken"];

    [Fact]
    public void The_venue_type_converges_with_holds_bookings_releases_and_apologies() =>
        ConvergenceCheck.Run(
            new VenueType(),
            (random, state) => random.Next(6) switch
            {
                0 => new OpenVenue(random.Next(1, 4)),
                1 => new BookSeat(Guests[random.Next(Guests.Length)]),
                2 when state.ActiveHolds.Any() => new ReleaseHold(state.ActiveHolds.ElementAt(random.Next(state.ActiveHolds.Count())).Key),
                _ => new HoldSeat(Guests[random.Next(Guests.Length)]),
            },
            seed: 1,
            runs: 300,
            regions: 3);

    [Fact]
    public void The_tally_type_converges() =>
        ConvergenceCheck.Run(new TallyType(), (random, _) => new Count(random.Next(-3, 4)), seed: 7, runs: 200, regions: 4);

    [Fact]
    public void A_fold_where_the_last_event_delivered_wins_is_caught_with_its_seed()
    {
        var failure = Assert.Throws<ConvergenceCheckFailedException>(() =>
            ConvergenceCheck.Run(new LastArrivalWins(), (random, _) => new Count(random.Next(100)), seed: 3, runs: 200));
        Assert.Contains($"seed {failure.Seed}", failure.Message, StringComparison.Ordinal);

        // The seed it names fails again on its own.
        Assert.Throws<ConvergenceCheckFailedException>(() =>
            ConvergenceCheck.Run(new LastArrivalWins(), (random, _) => new Count(random.Next(100)), seed: failure.Seed, runs: 1));
    }

    [Fact]
    public void A_fold_whose_every_apology_owes_another_fails_the_check_instead_of_running_on()
    {
        var failure = Assert.Throws<ConvergenceCheckFailedException>(() =>
            ConvergenceCheck.Run(new EndlessApologies(), (random, _) => new Count(random.Next(1, 5)), seed: 5, runs: 3));
        Assert.Contains("more than 1000 apologies", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>Owes an apology for every event, its apologies included.</summary>
    private sealed class EndlessApologies : ReplicatedEntityType<TallyView>
    {
        public override string Name => "endless";

        public override TallyView Initial => new(0, 0, 0);

        public override void RegisterPayloads(PayloadTypes payloads) => payloads.Add<Counted>("endless.counted");

        public override ConsistencyMode ModeOf(object command) => ConsistencyMode.Optimistic;

        public override object? Decide(TallyView state, object command, CommandContext context) => new Counted(((Count)command).By);

        public override TallyView Apply(TallyView state, object payload, EventContext context) => state with { Sum = state.Sum + ((Counted)payload).By, Events = state.Events + 1 };

        public override IEnumerable<Apology> OwedApologies(TallyView state) => state.Events > 0 ? [new Apology($"sorry/{state.Events}", new Counted(0))] : [];
    }

    /// <summary>A register that keeps whatever arrived last: concurrent writes do not commute.</summary>
    private sealed class LastArrivalWins : ReplicatedEntityType<TallyView>
    {
        public override string Name => "last";

        public override TallyView Initial => new(0, 0, 0);

        public override void RegisterPayloads(PayloadTypes payloads) => payloads.Add<Counted>("last.set");

        public override ConsistencyMode ModeOf(object command) => ConsistencyMode.Optimistic;

        public override object? Decide(TallyView state, object command, CommandContext context) => new Counted(((Count)command).By);

        public override TallyView Apply(TallyView state, object payload, EventContext context) => new(((Counted)payload).By, 0, 0);
    }
}
