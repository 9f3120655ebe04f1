using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Samples.Venues;

namespace Concord.Tests.Entities;

/// <summary>Snapshots of registered entities: the fold reads back to the same canonical state and continues the chains.</summary>
public sealed class EntitySnapshotTests
{
    private const string Entity = "venue/gala";

    [Fact]
    public void A_venue_fold_reads_back_from_its_snapshot_and_continues_exactly_as_the_original()
    {
        var type = new VenueType();
        var payloads = new PayloadTypes();
        type.RegisterPayloads(payloads);
        var log = Events(payloads, new VenueOpened(2), new SeatHeld("ada"), new SeatHeld("grace"), new HoldReleased("r-2", "ada"), new SeatBooked("linus"));
        var original = EntityFold<VenueState>.Of(type, payloads, Entity, log[..4]);

        var restored = EntityFold<VenueState>.FromSnapshot(type, payloads, Entity, original.ToSnapshot());

        Assert.NotNull(restored);
        Assert.Equal(PayloadTypes.CanonicalOf(original.State), PayloadTypes.CanonicalOf(restored.State));
        Assert.Equal(original.Version, restored.Version);
        Assert.True(restored.TryGetRequest("r-2", out var winner));
        Assert.Equal(new EventId(Entity, "eu", 2), winner.Id);
        Assert.True(original.Apply(log[4]));
        Assert.True(restored.Apply(log[4]));
        Assert.Equal(PayloadTypes.CanonicalOf(original.State), PayloadTypes.CanonicalOf(restored.State));
        Assert.Equal(["grace", "linus"], restored.State.Attendees.Elements);
    }

    [Fact]
    public void A_snapshot_whose_state_does_not_read_back_is_ignored()
    {
        var type = new VenueType();
        var payloads = new PayloadTypes();
        type.RegisterPayloads(payloads);
        var snapshot = EntityFold<VenueState>.Of(type, payloads, Entity, Events(payloads, new VenueOpened(2))).ToSnapshot();

        snapshot.State = "{\"not\":\"a venue\"}";
        Assert.Null(EntityFold<VenueState>.FromSnapshot(type, payloads, Entity, snapshot));
        snapshot.State = "{";
        Assert.Null(EntityFold<VenueState>.FromSnapshot(type, payloads, Entity, snapshot));
    }

    private static LoggedEvent[] Events(PayloadTypes payloads, params object[] facts)
    {
        var logged = new List<LoggedEvent>();
        var prev = ChainHash.Genesis;
        var version = VersionVector.Empty;
        foreach (var fact in facts)
        {
            var seq = logged.Count + 1;
            var e = EventCodec.Seal(new EventId(Entity, "eu", seq), $"r-{seq}", new HlcTimestamp(1_700_000_000_000 + seq, 0, "eu"), version, payloads.Encode(fact, Entity), prev);
            logged.Add(new LoggedEvent(seq, e));
            prev = e.Hash;
            version = version.With("eu", seq);
        }

        return [.. logged];
    }
}
