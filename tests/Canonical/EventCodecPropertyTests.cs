using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;
using CsCheck;

namespace Concord.Tests.Canonical;

/// <summary>Property tests of the canonical encoding. CsCheck prints the seed of any failing case.</summary>
public sealed class EventCodecPropertyTests
{
    private static readonly Gen<string> Key = Gen.String[Gen.Char["abcxyz019._-"], 1, 24];
    private static readonly Gen<string> Text = Gen.String[Gen.Char, 0, 40];

    private static readonly Gen<EventPayload> Payload = Gen.OneOf<EventPayload>(
        Gen.Long[1, Money.MaxAmount].Select(a => (EventPayload)new Deposited(a)),
        Gen.Select(Gen.Long[1, Money.MaxAmount], Key, Gen.Bool).Select((a, to, strict) => (EventPayload)new Debited(a, to, strict ? ConsistencyMode.Strict : ConsistencyMode.Optimistic)),
        Gen.Select(Gen.Long[1, Money.MaxAmount], Key, Key, Gen.Long[1, 1_000_000]).Select((a, e, o, s) => (EventPayload)new Credited(a, new EventId(e, o, s))),
        Gen.Long[1, Money.MaxAmount].Select(a => (EventPayload)new PaidOut(a)),
        Gen.Select(Gen.Long[1, Money.MaxAmount], Gen.Select(Key, Key, Gen.Long[1, 1000]).Select((e, o, q) => new EventId(e, o, q)).Array[0, 4])
            .Select((deficit, causes) => (EventPayload)new OverdraftApology(deficit, [.. causes])),
        Gen.Select(Key, Text).Select((account, claim) => (EventPayload)new HandleBound(account, claim)),
        Key.Select(account => (EventPayload)new HandleReleased(account)),
        Key.Select(account => (EventPayload)new HandleClaimTentative(account)),
        Gen.Select(Key, Text, Key).Select((account, claim, winner) => (EventPayload)new HandleClaimRejected(account, claim, winner)));

    private static readonly Gen<VersionVector> Deps =
        Gen.Dictionary(Key, Gen.Long[1, long.MaxValue])[0, 5].Select(d => VersionVector.From(d));

    private static readonly Gen<ChainHash> Hash = Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong).Select((a, b, c, d) => new ChainHash(a, b, c, d));

    internal static readonly Gen<EventEnvelope> Envelope =
        Gen.Select(Key, Key, Gen.Long[1, long.MaxValue], Text, Gen.Long[0, long.MaxValue], Gen.Int[0, int.MaxValue], Deps, Payload)
            .SelectMany((entity, origin, seq, request, ms, counter, deps, payload) =>
                Hash.Select(prev => EventCodec.Seal(new EventId(entity, origin, seq), request, new HlcTimestamp(ms, counter, origin), deps, payload, prev)));

    [Fact]
    public void Encoding_round_trips() =>
        Envelope.Sample(envelope =>
        {
            var decoded = EventCodec.Decode(EventCodec.Encode(envelope));
            Assert.Equal(envelope, decoded);
            Assert.True(EventCodec.HasValidHash(decoded));
        });

    [Fact]
    public void Changing_any_byte_of_an_encoded_event_is_detected() =>
        Gen.Select(Envelope, Gen.Int[0, int.MaxValue], Gen.Byte[1, 255]).Sample((envelope, at, flip) =>
        {
            var encoded = EventCodec.Encode(envelope);
            var index = at % encoded.Length;
            encoded[index] ^= flip;

            // Either the bytes no longer decode, or they decode to an event whose hash no longer checks.
            EventEnvelope? decoded = null;
            try
            {
                decoded = EventCodec.Decode(encoded);
            }
            catch (CanonicalFormatException)
            {
            }
            catch (ArgumentException)
            {
            }

            Assert.True(decoded is null || !EventCodec.HasValidHash(decoded), $"flipping byte {index} of {encoded.Length} went unnoticed");
        });

    [Fact]
    public void The_stored_form_checks_without_re_encoding_and_any_changed_byte_fails_the_check() =>
        Gen.Select(Envelope, Gen.Int[0, int.MaxValue], Gen.Byte[1, 255]).Sample((envelope, at, flip) =>
        {
            var encoded = EventCodec.Encode(envelope);
            Assert.True(EventCodec.StoredHashIsValid(encoded));
            encoded[at % encoded.Length] ^= flip;
            Assert.False(EventCodec.StoredHashIsValid(encoded), $"flipping byte {at % encoded.Length} of {encoded.Length} went unnoticed");
        });

    [Fact]
    public void Different_events_never_share_a_hash() =>
        Gen.Select(Envelope, Envelope).Sample((a, b) =>
            Assert.True(a with { Hash = default } == b with { Hash = default } || a.Hash != b.Hash));
}
